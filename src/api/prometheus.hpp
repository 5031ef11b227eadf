// Builds the Prometheus text exposition format (version 0.0.4).
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace api {

class PrometheusText {
public:
    using Labels = std::map<std::string, std::string>;
    // Writes "# HELP" and "# TYPE" once per family, in the order families first appear.
    void add(std::string_view name, std::string_view type, std::string_view help, double value,
             const Labels& labels = {});
    [[nodiscard]] const std::string& str() const { return out_; }

    static std::string escape_label(std::string_view value);

private:
    std::string out_;
    std::map<std::string, bool, std::less<>> described_;
};

}  // namespace api
