#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace testsupport {

namespace {

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

core::Result<HttpReply> http_request(uint16_t port, const std::string& method,
                                     const std::string& target, const std::string& body,
                                     const std::string& headers,
                                     std::chrono::milliseconds timeout) {
    Fd s{::socket(AF_INET, SOCK_STREAM, 0)};
    if (s.fd < 0) return core::fail("socket: " + std::string(std::strerror(errno)));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return core::fail("connect 127.0.0.1:" + std::to_string(port) + ": " +
                          std::strerror(errno));
    std::string req = method + " " + target +
                      " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                      "\r\nConnection: close\r\n" + headers;
    if (!body.empty() || method == "POST")
        req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    for (size_t off = 0; off < req.size();) {
        const ssize_t n = ::send(s.fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return core::fail("send: " + std::string(std::strerror(errno)));
        off += static_cast<size_t>(n);
    }
    // Read until the full body (Content-Length) or the server closes.
    std::string in;
    const auto until = std::chrono::steady_clock::now() + timeout;
    size_t header_end = std::string::npos;
    size_t want = std::string::npos;
    while (true) {
        if (header_end == std::string::npos &&
            (header_end = in.find("\r\n\r\n")) != std::string::npos) {
            std::string lower = in.substr(0, header_end);
            std::transform(lower.begin(), lower.end(), lower.begin(),
                           [](unsigned char c) { return std::tolower(c); });
            const auto cl = lower.find("content-length:");
            if (cl != std::string::npos) want = header_end + 4 + std::stoul(lower.substr(cl + 15));
        }
        if (want != std::string::npos && in.size() >= want) break;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return core::fail("HTTP answer timed out: " + in);
        pollfd p{s.fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char buf[4096];
        const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        in.append(buf, static_cast<size_t>(n));
    }
    if (header_end == std::string::npos) return core::fail("no HTTP header in: " + in);
    HttpReply r;
    if (in.rfind("HTTP/1.", 0) != 0 || in.size() < 12) return core::fail("not HTTP: " + in);
    r.status = std::stoi(in.substr(9, 3));
    size_t pos = in.find("\r\n") + 2;
    while (pos < header_end) {
        const size_t eol = in.find("\r\n", pos);
        const std::string line = in.substr(pos, eol - pos);
        const size_t colon = line.find(':');
        if (colon != std::string::npos) {
            std::string name = line.substr(0, colon);
            std::transform(name.begin(), name.end(), name.begin(),
                           [](unsigned char c) { return std::tolower(c); });
            size_t v = colon + 1;
            while (v < line.size() && line[v] == ' ') ++v;
            r.headers[name] = line.substr(v);
        }
        pos = eol + 2;
    }
    r.body = in.substr(header_end + 4);
    return r;
}

}  // namespace testsupport
