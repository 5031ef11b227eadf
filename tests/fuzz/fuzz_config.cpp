// A TOML configuration, as `sipmediagw check-config` and `serve` load it: parse and validate.
// Properties: no crash, no exception escapes, and a refusal names where ("<file>:" prefix).
#include "core/config.hpp"
#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::quiet_logs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        // The value parsers the loader uses for sip.listen and turn.server, on the raw text.
        (void)core::parse_listen_address(text);
        (void)core::parse_turn_server(text);
        (void)core::is_ip_address(text);
        auto cfg = core::load_config_string(text, "fuzz.toml");
        if (cfg) {
            // What serve does next with a valid configuration.
            (void)cfg->call_slots(2);
            (void)cfg->all_services();
        } else {
            fuzz::require(cfg.error().message.rfind("fuzz.toml", 0) == 0,
                          "a configuration error starts with the file name");
        }
    } catch (...) {
        fuzz::violated("load_config_string threw instead of returning an error");
    }
    return 0;
}
