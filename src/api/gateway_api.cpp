#include "api/gateway_api.hpp"
#include "core/text.hpp"

#include "api/bearer_auth.hpp"
#include "api/request_guard.hpp"

#include <spdlog/spdlog.h>

namespace api {

std::string error_type(int status) {
    switch (status) {
        case 400:
            return "bad_request";
        case 401:
            return "unauthorized";
        case 404:
            return "not_found";
        case 409:
            return "conflict";
        case 503:
            return "capacity";
        default:
            return status >= 500 ? "internal" : "error";
    }
}

HttpResponse error_response(const core::Error& error) {
    const int status = error.code >= 400 && error.code <= 599 ? error.code : 500;
    return HttpResponse::error(status, error_type(status), error.message);
}

namespace {

// Reads an optional string member; a wrong type is a client error worth naming.
core::Status take_string(const nlohmann::json& body, const char* key, std::string& out) {
    if (!body.contains(key) || body[key].is_null()) return core::Ok{};
    if (!body[key].is_string())
        return core::fail(std::string("'") + key + "' must be a string", 400);
    out = body[key].get<std::string>();
    return core::Ok{};
}

}  // namespace

GatewayApi::GatewayApi(GatewayControl& control, std::string token,
                       std::vector<std::string> allowed_hosts)
    : control_(control), token_(std::move(token)), allowed_hosts_(std::move(allowed_hosts)) {
    router_.add("GET", "/sipmediagw",
                [this](const HttpRequest& r, const PathParams&) { return launcher(r); });
    router_.add("POST", "/api/v1/gateways",
                [this](const HttpRequest& r, const PathParams&) { return create(r); });
    router_.add("GET", "/api/v1/gateways", [this](const HttpRequest&, const PathParams&) {
        return HttpResponse::json(200, {{"gateways", control_.list_gateways()}});
    });
    router_.add("GET", "/api/v1/gateways/{id}", [this](const HttpRequest&, const PathParams& p) {
        auto g = control_.gateway(p.at("id"));
        return g ? HttpResponse::json(200, *g) : error_response(g.error());
    });
    router_.add("DELETE", "/api/v1/gateways/{id}", [this](const HttpRequest&, const PathParams& p) {
        auto st = control_.stop_gateway(p.at("id"));
        return st ? HttpResponse::json(200, {{"id", p.at("id")}, {"stopping", true}})
                  : error_response(st.error());
    });
    router_.add(
        "POST", "/api/v1/gateways/{id}/command",
        [this](const HttpRequest& r, const PathParams& p) { return command(r, p.at("id")); });
    router_.add("GET", "/metrics", [this](const HttpRequest&, const PathParams&) {
        return HttpResponse::text(200, control_.metrics(), "text/plain; version=0.0.4");
    });
    router_.add("GET", "/healthz", [this](const HttpRequest&, const PathParams&) {
        auto h = control_.health();
        const bool ok = h.value("status", "") == "ok";
        return HttpResponse::json(ok ? 200 : 503, h);
    });
}

HttpResponse GatewayApi::handle(const HttpRequest& request) const {
    // Health checks come from load balancers that hold no token and may name the host freely;
    // the answer reveals nothing and changes nothing.
    if (request.path != "/healthz") {
        if (auto refused = check_request_origin(request, allowed_hosts_)) return *refused;
        switch (check_bearer(token_, request.header("authorization"))) {
            case AuthResult::Ok:
                break;
            case AuthResult::Missing: {
                auto r = HttpResponse::error(401, "unauthorized",
                                             "missing 'Authorization: Bearer <token>' header");
                r.headers["WWW-Authenticate"] = "Bearer realm=\"sipmediagw\"";
                return r;
            }
            case AuthResult::Malformed: {
                auto r = HttpResponse::error(401, "unauthorized",
                                             "the Authorization header must be 'Bearer <token>'");
                r.headers["WWW-Authenticate"] = "Bearer realm=\"sipmediagw\"";
                return r;
            }
            case AuthResult::Wrong: {
                spdlog::warn("api: rejected a wrong token peer={} path=\"{}\"", request.peer,
                             core::log_field(request.path));
                auto r = HttpResponse::error(401, "unauthorized", "wrong token");
                r.headers["WWW-Authenticate"] =
                    "Bearer realm=\"sipmediagw\", error=\"invalid_token\"";
                return r;
            }
        }
    }
    return router_.dispatch(request);
}

HttpResponse GatewayApi::launcher(const HttpRequest& request) const {
    // The reference launcher's call: answers {"res":"ok","uri":...} or {"res":"error","type":...}.
    // It reserves a slot through a GET, which any web page can make a browser send (an <img>
    // needs no CORS); so it works only behind the token, which no such page can add.
    if (token_.empty()) {
        return HttpResponse::json(
            403, {{"res", "error"},
                  {"type", "token required"},
                  {"message",
                   "GET /sipmediagw changes state: set [api] token to enable it, or use "
                   "POST /api/v1/gateways"}});
    }
    GatewayStartRequest start;
    start.room = request.param("room").value_or("");
    if (start.room == "0") start.room.clear();  // as the reference: 0 means the IVR
    start.from = request.param("from").value_or("");
    start.prefix = request.param("prefix").value_or("");
    auto g = control_.start_gateway(start);
    if (!g) {
        const int status = g.error().code >= 400 ? g.error().code : 500;
        // The reference launcher's clients test this exact type; the reason goes in "message".
        const std::string type = status == 503 ? "No free resources found" : g.error().message;
        return HttpResponse::json(
            status, {{"res", "error"}, {"type", type}, {"message", g.error().message}});
    }
    nlohmann::json out = {{"res", "ok"}, {"app", "sipmediagw"}, {"uri", g->value("uri", "")}};
    if (g->contains("id")) out["id"] = (*g)["id"];
    return HttpResponse::json(200, out);
}

HttpResponse GatewayApi::create(const HttpRequest& request) const {
    // Exactly application/json: the CORS-safelisted types (text/plain, forms) are what a web
    // page can POST without a preflight, so they are refused even when the body parses.
    if (!is_json_media_type(request.header("content-type").value_or("")))
        return HttpResponse::error(415, "bad_request", "the body must be application/json");
    const auto body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded())
        return HttpResponse::error(400, "bad_request", "the body is not valid JSON");
    if (!body.is_object())
        return HttpResponse::error(400, "bad_request", "the body must be a JSON object");
    static const char* const known[] = {"room", "service", "display_name",
                                        "dial", "from",    "prefix"};
    for (const auto& [k, v] : body.items()) {
        if (std::find(std::begin(known), std::end(known), k) == std::end(known))
            return HttpResponse::error(400, "bad_request", "unknown member '" + k + "'");
    }
    GatewayStartRequest start;
    for (auto [key, field] : {std::pair{"room", &start.room},
                              {"service", &start.service},
                              {"display_name", &start.display_name},
                              {"dial", &start.dial},
                              {"from", &start.from},
                              {"prefix", &start.prefix}}) {
        if (auto st = take_string(body, key, *field); !st) return error_response(st.error());
    }
    auto g = control_.start_gateway(start);
    if (!g) return error_response(g.error());
    auto r = HttpResponse::json(201, *g);
    if (g->contains("id"))
        r.headers["Location"] = "/api/v1/gateways/" + (*g)["id"].get<std::string>();
    return r;
}

HttpResponse GatewayApi::command(const HttpRequest& request, const std::string& id) const {
    if (!is_json_media_type(request.header("content-type").value_or("")))
        return HttpResponse::error(415, "bad_request", "the body must be application/json");
    const auto body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
        return HttpResponse::error(400, "bad_request", "the body must be a JSON object");
    if (!body.contains("action") || !body["action"].is_string())
        return HttpResponse::error(400, "bad_request", "'action' (a string) is required");
    // The digits are replayed at once on the control thread: a room number and a few keys is
    // all a caller types, so a bound keeps one request from becoming a flood.
    if (const auto d = body.find("digits");
        d != body.end() && d->is_string() &&
        d->get_ref<const std::string&>().size() > kMaxDtmfDigits)
        return HttpResponse::error(
            400, "bad_request",
            "'digits' holds at most " + std::to_string(kMaxDtmfDigits) + " keys");
    auto res = control_.command(id, body);
    return res ? HttpResponse::json(200, *res) : error_response(res.error());
}

}  // namespace api
