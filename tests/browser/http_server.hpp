// A tiny HTTP/1.0-style server on 127.0.0.1 (port chosen by the kernel) serving fixed pages, so
// tests can load pages from two origins (127.0.0.1 and localhost: different sites, hence
// out-of-process iframes) without any outside program.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace browser_test {

class HttpServer {
public:
    HttpServer() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(fd_, 16);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~HttpServer() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    void add(const std::string& path, const std::string& body,
             const std::string& type = "text/html") {
        std::lock_guard lock(mutex_);
        pages_[path] = {type, body};
    }
    // Answers every request for `path` (whatever its query) with handler(request target), for
    // pages that depend on the query (a fake API checking signatures).
    using Handler = std::function<std::string(const std::string& target)>;
    void handle(const std::string& path, Handler handler, const std::string& type = "text/xml") {
        std::lock_guard lock(mutex_);
        handlers_[path] = {type, std::move(handler)};
    }
    [[nodiscard]] uint16_t port() const { return port_; }
    // The request head (request line and headers) of the last request for path; "" if none.
    [[nodiscard]] std::string last_request(const std::string& path) {
        std::lock_guard lock(mutex_);
        auto it = requests_.find(path);
        return it == requests_.end() ? std::string() : it->second;
    }
    [[nodiscard]] std::string url(const std::string& host, const std::string& path) const {
        return "http://" + host + ":" + std::to_string(port_) + path;
    }

private:
    void serve() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            // Chromium preconnects sockets it may never use: one thread each, so an idle one
            // does not hold up the next request.
            workers_.emplace_back([this, c] { answer(c); });
        }
        for (auto& w : workers_) w.join();
    }

    void answer(int c) {
        {
            std::string req;
            char buf[4096];
            while (req.find("\r\n\r\n") == std::string::npos && !stop_) {
                pollfd cp{c, POLLIN, 0};
                if (::poll(&cp, 1, 50) < 0) break;
                if ((cp.revents & (POLLIN | POLLHUP)) == 0) continue;
                const ssize_t n = ::read(c, buf, sizeof buf);
                if (n <= 0) break;
                req.append(buf, static_cast<size_t>(n));
            }
            std::string path = "/";
            const auto sp1 = req.find(' ');
            const auto sp2 = req.find(' ', sp1 + 1);
            if (sp1 != std::string::npos && sp2 != std::string::npos)
                path = req.substr(sp1 + 1, sp2 - sp1 - 1);
            std::string status = "404 Not Found";
            std::pair<std::string, std::string> page{"text/plain", "not found"};
            {
                std::lock_guard lock(mutex_);
                const std::string bare = path.substr(0, path.find('?'));
                requests_[path] = req.substr(0, req.find("\r\n\r\n"));
                // An exact match (query included) first, else the path alone: pages opened
                // with a query they ignore (a meeting URL with ?jwt=...).
                auto it = pages_.find(path);
                if (it == pages_.end()) it = pages_.find(path.substr(0, path.find('?')));
                if (it != pages_.end()) {
                    status = "200 OK";
                    page = it->second;
                } else if (auto h = handlers_.find(bare); h != handlers_.end()) {
                    status = "200 OK";
                    page = {h->second.first, h->second.second(path)};
                } else if (auto b = pages_.find(bare); b != pages_.end()) {
                    // A page with a query it reads itself.
                    status = "200 OK";
                    page = b->second;
                }
            }
            const std::string resp = "HTTP/1.1 " + status + "\r\nContent-Type: " + page.first +
                                     "\r\nContent-Length: " + std::to_string(page.second.size()) +
                                     "\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n" +
                                     page.second;
            size_t off = 0;
            while (off < resp.size()) {
                const ssize_t n = ::send(c, resp.data() + off, resp.size() - off, MSG_NOSIGNAL);
                if (n <= 0) break;
                off += static_cast<size_t>(n);
            }
            ::close(c);
        }
    }

    int fd_ = -1;
    uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::map<std::string, std::pair<std::string, std::string>> pages_;
    std::map<std::string, std::pair<std::string, Handler>> handlers_;
    std::map<std::string, std::string> requests_;
    std::vector<std::thread> workers_;  // only touched by the accept thread
    std::thread thread_;
};

}  // namespace browser_test
