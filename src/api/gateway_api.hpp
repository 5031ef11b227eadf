// The routes of the HTTP API (docs/api.md): JSON in and out, Bearer token when configured.
#pragma once

#include "api/gateway_control.hpp"
#include "api/http_message.hpp"
#include "api/router.hpp"

#include <string>
#include <vector>

namespace api {

class GatewayApi {
public:
    static constexpr size_t kMaxDtmfDigits = 64;  // per "dtmf" command
    // allowed_hosts: [api] allowed_hosts (request_guard.hpp).
    GatewayApi(GatewayControl& control, std::string token,
               std::vector<std::string> allowed_hosts = {});
    [[nodiscard]] HttpResponse handle(const HttpRequest& request) const;

private:
    HttpResponse launcher(const HttpRequest& request) const;
    HttpResponse create(const HttpRequest& request) const;
    HttpResponse command(const HttpRequest& request, const std::string& id) const;

    GatewayControl& control_;
    std::string token_;
    std::vector<std::string> allowed_hosts_;
    Router router_;
};

// HTTP status → the "type" word of an error body.
std::string error_type(int status);
HttpResponse error_response(const core::Error& error);

}  // namespace api
