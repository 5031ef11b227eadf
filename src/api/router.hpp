// Maps method + path pattern ("/api/v1/gateways/{id}") to a handler; answers 404 and 405 itself.
#pragma once

#include "api/http_message.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace api {

using PathParams = std::map<std::string, std::string>;
using Handler = std::function<HttpResponse(const HttpRequest&, const PathParams&)>;

class Router {
public:
    void add(std::string method, std::string pattern, Handler handler);
    [[nodiscard]] HttpResponse dispatch(const HttpRequest& request) const;

private:
    struct Route {
        std::string method;
        std::vector<std::string> segments;  // "{name}" segments capture
        Handler handler;
    };
    static std::vector<std::string> split(std::string_view path);
    static bool match(const Route& route, const std::vector<std::string>& segments,
                      PathParams& params);
    std::vector<Route> routes_;
};

}  // namespace api
