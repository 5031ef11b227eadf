// Bytes a client sends the HTTP API, through what the listener does with them: framing and head
// decoding (api::read_http_request, libre's http_msg_decode), the URL rules, then the real
// api::GatewayApi (request guard, Bearer token, router, JSON bodies). Only the gateway behind
// the API is a stand-in (GatewayControl), answering like the real one would. The first byte
// picks a token or none and how the bytes arrive (at once, or in two reads).
#include "api/gateway_api.hpp"
#include "api/http_request_reader.hpp"
#include "core/text.hpp"
#include "fuzz_support.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

class StandInGateway : public api::GatewayControl {
public:
    core::Result<nlohmann::json> start_gateway(const api::GatewayStartRequest& r) override {
        if (r.room == "busy") return core::fail("no free slot", 503);
        return nlohmann::json{
            {"id", "gw-1"},         {"uri", "sip:" + r.room + "@127.0.0.1"}, {"room", r.room},
            {"service", r.service}, {"display_name", r.display_name},        {"dial", r.dial}};
    }
    [[nodiscard]] nlohmann::json list_gateways() const override {
        return nlohmann::json::array({{{"id", "gw-1"}}});
    }
    [[nodiscard]] core::Result<nlohmann::json> gateway(const std::string& id) const override {
        if (id != "gw-1") return core::fail("no gateway " + id, 404);
        return nlohmann::json{{"id", id}, {"status", "in_call"}};
    }
    core::Status stop_gateway(const std::string& id) override {
        if (id != "gw-1") return core::fail("no gateway " + id, 404);
        return core::Ok{};
    }
    core::Result<nlohmann::json> command(const std::string& id,
                                         const nlohmann::json& command) override {
        if (id != "gw-1") return core::fail("no gateway " + id, 404);
        return nlohmann::json{{"id", id}, {"done", command.value("action", std::string())}};
    }
    [[nodiscard]] std::string metrics() const override { return "sipmediagw_up 1\n"; }
    [[nodiscard]] nlohmann::json health() const override { return {{"status", "ok"}}; }
};

void check_response(const api::HttpResponse& r) {
    fuzz::require(r.status >= 200 && r.status <= 599, "a response has an HTTP status");
    fuzz::require(api::reason_phrase(r.status) != "Unknown", "every status has a reason phrase");
    fuzz::require(core::is_valid_utf8(r.body), "a response body is UTF-8");
    for (const auto& [name, value] : r.headers)
        fuzz::require(value.find_first_of("\r\n") == std::string::npos,
                      "no CR/LF reaches a response header");
}

// Serves every complete request in `buffer` as a connection would; false once it must close.
bool serve(std::string& buffer, const api::GatewayApi& gateway_api) {
    const api::HttpLimits limits;
    while (!buffer.empty()) {
        const auto read = api::read_http_request(buffer, limits, "127.0.0.1:40000");
        if (read.state == api::RequestRead::State::Incomplete) return true;
        if (read.state == api::RequestRead::State::Fatal) {
            fuzz::require(read.status >= 400 && read.status <= 599, "a refusal is 4xx/5xx");
            return false;
        }
        fuzz::require(read.size > 0 && read.size <= buffer.size(), "a request takes its bytes");
        if (read.answer) {
            check_response(*read.answer);
        } else {
            fuzz::require(core::is_valid_utf8(read.request.path), "a routed path is UTF-8");
            check_response(gateway_api.handle(read.request));
        }
        buffer.erase(0, read.size);
        if (!read.keep_alive) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::quiet_logs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static StandInGateway gateway;
    static const api::GatewayApi open_api(gateway, "");
    static const api::GatewayApi token_api(gateway, "s3cret", {"gw.example.org"});
    if (size == 0) return 0;
    const uint8_t mode = data[0];
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    const api::GatewayApi& gateway_api = (mode & 1) != 0 ? token_api : open_api;
    std::string buffer;
    if ((mode & 2) != 0 && bytes.size() > 1) {
        // Two reads: the first part may end in the middle of a head or a body.
        const size_t cut = (mode >> 2) * bytes.size() / 64 + 1;
        buffer.append(bytes.substr(0, cut));
        if (!serve(buffer, gateway_api)) return 0;
        buffer.append(bytes.substr(cut));
    } else {
        buffer.append(bytes);
    }
    (void)serve(buffer, gateway_api);
    return 0;
}
