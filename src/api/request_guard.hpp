// Which requests may reach the API's routes at all, before the token is checked.
// Web pages must not drive the API: a page's script can send simple cross-origin requests (GET,
// a POST with a text/plain body) without a CORS preflight, and DNS rebinding makes a hostile
// name resolve to 127.0.0.1 so the browser sees the API as same-origin. So:
// - Host must be an IP literal or "localhost" (a rebinding name is neither), or one of the
//   configured [api] allowed_hosts (a reverse proxy's name);
// - a request a browser marks as cross-origin (Origin other than the Host, Origin "null",
//   Sec-Fetch-Site cross-site or same-site) is refused.
#pragma once

#include "api/http_message.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace api {

// "127.0.0.1:8080", "[::1]", "localhost:80" → true; "evil.example:8080" → false.
bool host_is_local_literal(std::string_view host_header);

// nullopt when the request may go on; otherwise the 400/403 to answer.
std::optional<HttpResponse> check_request_origin(const HttpRequest& request,
                                                 const std::vector<std::string>& allowed_hosts);

// "application/json; charset=utf-8" → true; "text/plain;x=application/json" → false.
bool is_json_media_type(std::string_view content_type);

}  // namespace api
