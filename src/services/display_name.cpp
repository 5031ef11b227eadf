#include "services/display_name.hpp"

#include "core/text.hpp"

namespace services {

namespace {

// Meeting UIs show the name verbatim; 64 characters fit every service's participant list.
constexpr size_t kMaxNameChars = 64;

std::string clean(std::string_view in) {
    return core::clean_name(in, kMaxNameChars);
}

}  // namespace

std::string display_name_for(const CallerIdentity& caller, std::string_view name_template) {
    if (auto d = clean(caller.display_name); !d.empty()) return d;
    std::string out;
    for (size_t i = 0; i < name_template.size(); ++i) {
        if (name_template[i] == '{') {
            const auto close = name_template.find('}', i);
            if (close != std::string_view::npos) {
                const std::string_view key = name_template.substr(i + 1, close - i - 1);
                if (key == "user") {
                    out += caller.user;
                    i = close;
                    continue;
                }
                if (key == "from") {
                    out += caller.from_uri;
                    i = close;
                    continue;
                }
                if (key == "room") {
                    out += caller.room;
                    i = close;
                    continue;
                }
            }
        }
        out += name_template[i];
    }
    auto result = clean(out);
    return result.empty() ? "SIP caller" : result;
}

}  // namespace services
