#include "api/prometheus.hpp"

#include <cmath>
#include <sstream>

namespace api {

std::string PrometheusText::escape_label(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

void PrometheusText::add(std::string_view name, std::string_view type, std::string_view help,
                         double value, const Labels& labels) {
    if (!described_.contains(name)) {
        described_.emplace(std::string(name), true);
        out_ += "# HELP " + std::string(name) + " " + std::string(help) + "\n";
        out_ += "# TYPE " + std::string(name) + " " + std::string(type) + "\n";
    }
    out_ += name;
    if (!labels.empty()) {
        out_ += "{";
        bool first = true;
        for (const auto& [k, v] : labels) {
            if (!first) out_ += ",";
            first = false;
            out_ += k + "=\"" + escape_label(v) + "\"";
        }
        out_ += "}";
    }
    std::ostringstream os;
    if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
        os << static_cast<long long>(value);
    } else {
        os << value;
    }
    out_ += " " + os.str() + "\n";
}

}  // namespace api
