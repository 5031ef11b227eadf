// HTTP requests and responses as plain values, so routing and handlers are testable without
// sockets; http_server.cpp converts from/to libre's http_msg.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace api {

struct HttpRequest {
    std::string method;                          // "GET", "POST", ...
    std::string path;                            // decoded path without the query
    std::map<std::string, std::string> query;    // decoded query parameters
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    std::string peer;  // "addr:port" of the client, for logs

    [[nodiscard]] std::optional<std::string> header(std::string_view lower_name) const;
    [[nodiscard]] std::optional<std::string> param(std::string_view name) const;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::map<std::string, std::string> headers;

    static HttpResponse json(int status, const nlohmann::json& body);
    // {"error": {"status": N, "type": "...", "message": "..."}}
    static HttpResponse error(int status, std::string_view type, std::string_view message);
    static HttpResponse text(int status, std::string body, std::string content_type);
};

std::string_view reason_phrase(int status);

// application/x-www-form-urlencoded decoding ('+' is a space, %XX escapes); nullopt when an
// escape is malformed.
std::optional<std::string> url_decode(std::string_view in);
// "a=1&b=2" → {a:1, b:2}; nullopt on a malformed escape.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view query);

}  // namespace api
