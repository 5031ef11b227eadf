// Chrome DevTools Protocol client over --remote-debugging-pipe: NUL-terminated JSON messages,
// on the control loop, non-blocking both ways. Commands get their answer (or the protocol error)
// as a core::Result; events go to subscribers. Flat sessions: every message may carry a
// sessionId, so one pipe serves the browser, its pages and their out-of-process iframes.
#pragma once

#include "browser/owned_fd.hpp"
#include "core/control_loop.hpp"
#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace browser {

using Json = nlohmann::json;

class DevToolsPipe {
public:
    using Reply = std::function<void(core::Result<Json>)>;
    using EventHandler = std::function<void(const Json& params, const std::string& session_id)>;
    using CloseHandler = std::function<void(const std::string& reason)>;

    DevToolsPipe(OwnedFd read_end, OwnedFd write_end);
    // Pending replies are dropped without being called: their owners are going away too.
    ~DevToolsPipe();
    DevToolsPipe(const DevToolsPipe&) = delete;
    DevToolsPipe& operator=(const DevToolsPipe&) = delete;

    // Starts reading. on_close runs once, when the browser closes its end or I/O fails; every
    // pending command then gets an error.
    core::Status start(CloseHandler on_close);

    // Queues a command. reply may be empty. Returns the command id.
    uint64_t send(const std::string& method, Json params = Json::object(), Reply reply = {},
                  const std::string& session_id = {});
    // Forget the reply of a command (its owner went away); the answer is then ignored.
    void forget(uint64_t id) { pending_.erase(id); }

    // Subscribes to an event of every session; the token is for off().
    uint64_t on(const std::string& method, EventHandler handler);
    void off(uint64_t token);

    // Bytes as read from the browser's end: complete messages are dispatched, a partial one waits
    // for the rest. The reader calls it; the fuzz target (tests/fuzz/) feeds it without a browser.
    // False when a handler closed or destroyed the pipe (then touch nothing of it).
    bool receive(std::string_view bytes);

    [[nodiscard]] bool closed() const noexcept { return closed_; }
    [[nodiscard]] size_t pending() const noexcept { return pending_.size(); }

private:
    struct PendingCommand {
        std::string method;
        Reply reply;
    };
    struct Subscription {
        std::string method;
        EventHandler handler;
    };

    void on_readable();
    std::vector<std::string> take_messages();
    void on_writable();
    void flush();
    void dispatch(const std::string& text);
    void dispatch_message(const std::string& text);
    void close(const std::string& reason);

    OwnedFd read_end_;
    OwnedFd write_end_;
    core::FdWatch read_watch_;
    core::FdWatch write_watch_;
    bool write_watched_ = false;
    std::string in_;
    std::string out_;
    uint64_t next_id_ = 1;
    uint64_t next_token_ = 1;
    std::map<uint64_t, PendingCommand> pending_;
    std::map<uint64_t, Subscription> subscriptions_;
    CloseHandler on_close_;
    bool closed_ = false;
    // Handlers may destroy this object; dispatch loops check this token afterwards.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace browser
