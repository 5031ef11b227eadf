#include "browser/devtools_pipe.hpp"

#include <signal.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

namespace browser {

namespace {

// A write to a pipe whose reader died raises SIGPIPE, which would end the whole gateway. Block it
// on this thread for the write and swallow a signal the write left pending; EPIPE tells us instead.
ssize_t write_without_sigpipe(int fd, const char* data, size_t size) {
    sigset_t pipe_set;
    sigset_t old_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigset_t pending_before;
    sigpending(&pending_before);
    const bool was_pending = sigismember(&pending_before, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    const ssize_t n = ::write(fd, data, size);
    const int saved = errno;
    if (n < 0 && saved == EPIPE && !was_pending) {
        const timespec zero{0, 0};
        while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
    errno = saved;
    return n;
}

std::string describe_error(const std::string& method, const Json& error) {
    std::string text = method + ": ";
    text += error.value("message", std::string("protocol error"));
    if (error.contains("data") && error["data"].is_string())
        text += " (" + error["data"].get<std::string>() + ")";
    if (error.contains("code")) text += " [code " + error["code"].dump() + "]";
    return text;
}

}  // namespace

DevToolsPipe::DevToolsPipe(OwnedFd read_end, OwnedFd write_end)
    : read_end_(std::move(read_end)), write_end_(std::move(write_end)) {}

DevToolsPipe::~DevToolsPipe() {
    *alive_ = false;
    read_watch_.reset();
    write_watch_.reset();
}

core::Status DevToolsPipe::start(CloseHandler on_close) {
    on_close_ = std::move(on_close);
    if (!read_end_.valid() || !write_end_.valid()) return core::fail("devtools: pipe not open");
    return read_watch_.watch(read_end_.get(), FD_READ, [this](int) { on_readable(); });
}

uint64_t DevToolsPipe::send(const std::string& method, Json params, Reply reply,
                            const std::string& session_id) {
    const uint64_t id = next_id_++;
    if (closed_) {
        if (reply) reply(core::fail(method + ": devtools pipe closed"));
        return id;
    }
    Json msg{{"id", id}, {"method", method}, {"params", std::move(params)}};
    if (!session_id.empty()) msg["sessionId"] = session_id;
    out_ += msg.dump();
    out_.push_back('\0');
    pending_.emplace(id, PendingCommand{method, std::move(reply)});
    if (!write_watched_) flush();
    return id;
}

uint64_t DevToolsPipe::on(const std::string& method, EventHandler handler) {
    const uint64_t token = next_token_++;
    subscriptions_.emplace(token, Subscription{method, std::move(handler)});
    return token;
}

void DevToolsPipe::off(uint64_t token) {
    subscriptions_.erase(token);
}

void DevToolsPipe::flush() {
    while (!out_.empty() && !closed_) {
        const ssize_t n = write_without_sigpipe(write_end_.get(), out_.data(), out_.size());
        if (n > 0) {
            out_.erase(0, static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            // The browser is slow to read: resume when the pipe has room.
            if (!write_watched_) {
                write_watched_ = true;
                (void)write_watch_.watch(write_end_.get(), FD_WRITE,
                                         [this](int) { on_writable(); });
            }
            return;
        }
        close(std::string("write failed: ") + std::strerror(errno));
        return;
    }
    if (write_watched_) {
        write_watched_ = false;
        write_watch_.reset();
    }
}

void DevToolsPipe::on_writable() {
    flush();
}

// Cuts the complete (NUL-terminated) messages off the front of the input buffer; a partial
// message stays for the next read.
std::vector<std::string> DevToolsPipe::take_messages() {
    std::vector<std::string> messages;
    size_t start = 0;
    for (size_t nul = in_.find('\0'); nul != std::string::npos; nul = in_.find('\0', start)) {
        messages.emplace_back(in_, start, nul - start);
        start = nul + 1;
    }
    in_.erase(0, start);
    return messages;
}

void DevToolsPipe::on_readable() {
    std::array<char, 65536> buf{};
    std::string end_reason;
    for (;;) {
        const ssize_t n = ::read(read_end_.get(), buf.data(), buf.size());
        if (n > 0) {
            in_.append(buf.data(), static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        end_reason = n == 0 ? "browser closed the devtools pipe"
                            : std::string("read failed: ") + std::strerror(errno);
        break;
    }
    // What was read before an EOF is still dispatched, then the pipe closes.
    if (!receive({})) return;
    if (!end_reason.empty()) close(end_reason);
}

bool DevToolsPipe::receive(std::string_view bytes) {
    std::weak_ptr<bool> alive = alive_;
    in_.append(bytes);
    for (const auto& m : take_messages()) {
        dispatch(m);
        if (alive.expired() || closed_) return false;
    }
    return true;
}

void DevToolsPipe::dispatch(const std::string& text) {
    // An exception must not unwind through libre's C frames: a handler that trips over an
    // unexpected message shape is logged, and the pipe goes on.
    try {
        dispatch_message(text);
    } catch (const std::exception& e) {
        spdlog::error("browser: devtools handler failed: {} (message: {:.200})", e.what(), text);
    }
}

void DevToolsPipe::dispatch_message(const std::string& text) {
    const Json msg = Json::parse(text, nullptr, false);
    if (msg.is_discarded() || !msg.is_object()) {
        spdlog::warn("browser: devtools message is not JSON ({} bytes)", text.size());
        return;
    }
    if (msg.contains("id")) {
        // Our ids are unsigned integers: anything else answers none of our commands (and a
        // float past 2^64 converted to one is undefined behaviour; found by fuzz_devtools).
        if (!msg["id"].is_number_unsigned()) return;
        const auto id = msg["id"].get<uint64_t>();
        auto it = pending_.find(id);
        if (it == pending_.end()) return;
        PendingCommand cmd = std::move(it->second);
        pending_.erase(it);
        if (!cmd.reply) return;
        if (msg.contains("error")) {
            cmd.reply(core::fail(describe_error(cmd.method, msg["error"])));
        } else {
            cmd.reply(msg.contains("result") ? msg["result"] : Json::object());
        }
        return;
    }
    const std::string method = msg.value("method", std::string());
    if (method.empty()) return;
    const std::string session = msg.value("sessionId", std::string());
    const Json params = msg.contains("params") ? msg["params"] : Json::object();
    // Handlers may subscribe, unsubscribe or destroy us: call a snapshot, re-checking each token.
    std::vector<uint64_t> tokens;
    for (const auto& [token, sub] : subscriptions_)
        if (sub.method == method) tokens.push_back(token);
    std::weak_ptr<bool> alive = alive_;
    for (const uint64_t token : tokens) {
        auto it = subscriptions_.find(token);
        if (it == subscriptions_.end()) continue;
        auto handler = it->second.handler;
        handler(params, session);
        if (alive.expired()) return;
    }
}

void DevToolsPipe::close(const std::string& reason) {
    if (closed_) return;
    closed_ = true;
    read_watch_.reset();
    write_watch_.reset();
    write_watched_ = false;
    out_.clear();
    std::weak_ptr<bool> alive = alive_;
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [id, cmd] : pending) {
        if (cmd.reply) cmd.reply(core::fail(cmd.method + ": " + reason));
        if (alive.expired()) return;
    }
    auto handler = on_close_;
    if (handler) handler(reason);
}

}  // namespace browser
