#include "services/display_name.hpp"

namespace services {

namespace {

std::string clean(std::string_view in) {
    std::string out;
    for (char c : in) {
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
    }
    while (!out.empty() && out.front() == ' ') out.erase(0, 1);
    while (!out.empty() && out.back() == ' ') out.pop_back();
    // Cut on a UTF-8 character boundary.
    if (out.size() > 64) {
        size_t cut = 64;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
        out.resize(cut);
    }
    return out;
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
