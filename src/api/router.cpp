#include "api/router.hpp"

namespace api {

void Router::add(std::string method, std::string pattern, Handler handler) {
    routes_.push_back(Route{std::move(method), split(pattern), std::move(handler)});
}

std::vector<std::string> Router::split(std::string_view path) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < path.size()) {
        const size_t slash = path.find('/', pos);
        const size_t end = slash == std::string_view::npos ? path.size() : slash;
        if (end > pos) out.emplace_back(path.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

bool Router::match(const Route& route, const std::vector<std::string>& segments,
                   PathParams& params) {
    if (route.segments.size() != segments.size()) return false;
    PathParams found;
    for (size_t i = 0; i < segments.size(); ++i) {
        const std::string& want = route.segments[i];
        if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
            found[want.substr(1, want.size() - 2)] = segments[i];
        } else if (want != segments[i]) {
            return false;
        }
    }
    params = std::move(found);
    return true;
}

HttpResponse Router::dispatch(const HttpRequest& request) const {
    const auto segments = split(request.path);
    std::string allowed;
    for (const auto& route : routes_) {
        PathParams params;
        if (!match(route, segments, params)) continue;
        if (route.method == request.method) return route.handler(request, params);
        if (!allowed.empty()) allowed += ", ";
        allowed += route.method;
    }
    if (!allowed.empty()) {
        auto r = HttpResponse::error(405, "method_not_allowed",
                                     request.method + " is not allowed on " + request.path);
        r.headers["Allow"] = allowed;
        return r;
    }
    return HttpResponse::error(404, "not_found", "no such resource: " + request.path);
}

}  // namespace api
