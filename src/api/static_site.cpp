#include "api/static_site.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace api {

namespace fs = std::filesystem;

void StaticSite::override_file(const std::string& path, std::string content,
                               std::string content_type) {
    overrides_[path] = Override{std::move(content), std::move(content_type)};
}

std::string StaticSite::content_type_for(const std::string& path) {
    const auto ext = fs::path(path).extension().string();
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js") return "application/javascript";
    if (ext == ".css") return "text/css";
    if (ext == ".png") return "image/png";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".ico") return "image/x-icon";
    if (ext == ".json") return "application/json";
    if (ext == ".woff2") return "font/woff2";
    if (ext == ".woff") return "font/woff";
    if (ext == ".ttf") return "font/ttf";
    return "application/octet-stream";
}

HttpResponse StaticSite::handle(const HttpRequest& request) const {
    if (request.method != "GET" && request.method != "HEAD")
        return HttpResponse::error(405, "method_not_allowed", "static files are read-only");
    std::string path = request.path.empty() ? "/" : request.path;
    if (path.back() == '/') path += "index.html";
    if (auto it = overrides_.find(path); it != overrides_.end())
        return HttpResponse::text(200, it->second.content, it->second.content_type);

    // Resolve inside root only: "..", symlinks out of the folder and the like are refused.
    std::error_code ec;
    const fs::path root = fs::weakly_canonical(root_, ec);
    const fs::path file = fs::weakly_canonical(root / fs::path(path).relative_path(), ec);
    const auto [r, f] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
    if (ec || r != root.end() || !fs::is_regular_file(file, ec))
        return HttpResponse::error(404, "not_found", "no such file: " + request.path);
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return HttpResponse::text(200, ss.str(), content_type_for(file.string()));
}

}  // namespace api
