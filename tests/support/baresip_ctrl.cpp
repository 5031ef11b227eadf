#include "support/baresip_ctrl.hpp"

#include "support/wait.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstring>

namespace testsupport {

core::Result<std::unique_ptr<BaresipCtrl>> BaresipCtrl::connect(uint16_t port,
                                                                std::chrono::milliseconds timeout) {
    int fd = -1;
    // baresip opens the ctrl port a moment after it starts: retry until the deadline.
    const bool connected = wait_until(
        [&] {
            fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(port);
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return true;
            ::close(fd);
            fd = -1;
            return false;
        },
        timeout, std::chrono::milliseconds(100));
    if (!connected)
        return core::fail("cannot connect to baresip ctrl_tcp on port " + std::to_string(port));
    return std::make_unique<BaresipCtrl>(ConnectedFd{fd});
}

BaresipCtrl::BaresipCtrl(ConnectedFd connected)
    : fd_(connected.fd), reader_([this](std::stop_token st) { read_loop(std::move(st)); }) {}

BaresipCtrl::~BaresipCtrl() {
    reader_.request_stop();
    if (reader_.joinable()) reader_.join();
    ::close(fd_);
}

void BaresipCtrl::read_loop(std::stop_token stop) {
    std::string buf;
    char chunk[8192];
    while (!stop.stop_requested()) {
        pollfd pfd{fd_, POLLIN, 0};
        if (::poll(&pfd, 1, 100) <= 0) continue;
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) break;  // baresip went away
        buf.append(chunk, static_cast<std::size_t>(n));
        // Netstrings: "<len>:<payload>,"
        for (;;) {
            const auto colon = buf.find(':');
            if (colon == std::string::npos) break;
            const std::size_t len = std::stoul(buf.substr(0, colon));
            if (buf.size() < colon + 1 + len + 1) break;
            handle_message(buf.substr(colon + 1, len));
            buf.erase(0, colon + 1 + len + 1);
        }
    }
}

void BaresipCtrl::handle_message(const std::string& text) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return;
    std::lock_guard lock(mutex_);
    if (j.value("event", false)) {
        BaresipEvent e;
        e.type = j.value("type", "");
        e.klass = j.value("class", "");
        e.param = j.value("param", "");
        e.peer_uri = j.value("peeruri", "");
        e.id = j.value("id", "");
        e.raw = text;
        events_.push_back(std::move(e));
        consumed_.push_back(false);
    } else if (j.value("response", false)) {
        replies_.emplace_back(j.value("token", ""),
                              BaresipReply{j.value("ok", false), j.value("data", "")});
    }
    cv_.notify_all();
}

core::Result<BaresipReply> BaresipCtrl::command(const std::string& name, const std::string& params,
                                                std::chrono::milliseconds timeout) {
    std::string token;
    {
        std::lock_guard lock(mutex_);
        token = "t" + std::to_string(next_token_++);
    }
    const std::string payload =
        nlohmann::json{{"command", name}, {"params", params}, {"token", token}}.dump();
    const std::string frame = std::to_string(payload.size()) + ":" + payload + ",";
    if (::send(fd_, frame.data(), frame.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(frame.size()))
        return core::fail("baresip ctrl: send failed: " + std::string(std::strerror(errno)));
    std::unique_lock lock(mutex_);
    std::optional<BaresipReply> reply;
    cv_.wait_for(lock, timeout, [&] {
        for (auto it = replies_.begin(); it != replies_.end(); ++it) {
            if (it->first == token) {
                reply = it->second;
                replies_.erase(it);
                return true;
            }
        }
        return false;
    });
    if (!reply) return core::fail("baresip ctrl: no reply to " + name);
    return *reply;
}

std::optional<BaresipEvent> BaresipCtrl::wait_event(const std::string& type,
                                                    std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    std::optional<BaresipEvent> found;
    cv_.wait_for(lock, timeout, [&] {
        for (std::size_t i = 0; i < events_.size(); ++i) {
            if (!consumed_[i] && events_[i].type == type) {
                consumed_[i] = true;
                found = events_[i];
                return true;
            }
        }
        return false;
    });
    return found;
}

std::vector<BaresipEvent> BaresipCtrl::events() const {
    std::lock_guard lock(mutex_);
    return events_;
}

}  // namespace testsupport
