// Serves a folder of static files (the Janus demo pages for `sipmediagw demo`), with some paths
// answered from memory instead (a settings.js that points at our Janus and sets no STUN).
#pragma once

#include "api/http_message.hpp"

#include <map>
#include <string>

namespace api {

class StaticSite {
public:
    explicit StaticSite(std::string root) : root_(std::move(root)) {}
    void override_file(const std::string& path, std::string content, std::string content_type);
    [[nodiscard]] HttpResponse handle(const HttpRequest& request) const;

    static std::string content_type_for(const std::string& path);

private:
    struct Override {
        std::string content;
        std::string content_type;
    };
    std::string root_;
    std::map<std::string, Override> overrides_;
};

}  // namespace api
