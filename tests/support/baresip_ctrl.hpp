// Client for baresip 1.0.0's ctrl_tcp module: netstring-framed JSON both ways.
// Commands are the menu module's long names ("dial", "accept", "hangup", "sndcode", "callstat",
// "listcalls"); a reply is {"response":true,"ok":...,"data":"...","token":"..."}; events are
// {"event":true,"type":"CALL_ESTABLISHED","class":"call","accountaor":...,"direction":...,
//  "peeruri":...,"id":...,"param":...} (CALL_CLOSED carries the reason in "param").
#pragma once

#include "core/result.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace testsupport {

struct BaresipEvent {
    std::string type;   // CALL_INCOMING, CALL_RINGING, CALL_ESTABLISHED, CALL_CLOSED, ...
    std::string klass;  // "call", "register", "other", ...
    std::string param;  // CALL_CLOSED: the reason ("Connection reset by user", "486 Busy Here")
    std::string peer_uri;
    std::string id;
    std::string raw;
};

struct BaresipReply {
    bool ok = false;
    std::string data;
};

class BaresipCtrl {
public:
    static core::Result<std::unique_ptr<BaresipCtrl>> connect(uint16_t port,
                                                              std::chrono::milliseconds timeout);
    struct ConnectedFd {  // only connect() can make one
        int fd;
    };
    explicit BaresipCtrl(ConnectedFd connected);
    ~BaresipCtrl();
    BaresipCtrl(const BaresipCtrl&) = delete;
    BaresipCtrl& operator=(const BaresipCtrl&) = delete;

    core::Result<BaresipReply> command(
        const std::string& name, const std::string& params = {},
        std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // Waits for the next event of `type` not returned before (events are kept in order).
    std::optional<BaresipEvent> wait_event(const std::string& type,
                                           std::chrono::milliseconds timeout);
    [[nodiscard]] std::vector<BaresipEvent> events() const;

private:
    void read_loop(std::stop_token stop);
    void handle_message(const std::string& json);

    int fd_ = -1;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<BaresipEvent> events_;
    std::vector<bool> consumed_;
    std::deque<std::pair<std::string, BaresipReply>> replies_;  // token → reply
    uint64_t next_token_ = 1;
    std::jthread reader_;
};

}  // namespace testsupport
