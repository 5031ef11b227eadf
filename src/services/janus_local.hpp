// A Janus server of our own, started as a child process with a generated configuration: the
// meeting that `sipmediagw demo` and the tests run locally (VideoRoom plugin + HTTP transport
// only). Janus never uses the loopback interface for ICE, so it needs a real interface
// (the host's for the demo; a test's own veth/dummy interface in a network namespace).
#pragma once

#include "core/child_process.hpp"
#include "core/result.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace services {

struct JanusLocalOptions {
    std::string work_dir;               // config and log go here (created, then removed)
    std::string http_ip = "127.0.0.1";  // where the Janus HTTP API listens
    uint16_t http_port = 8088;
    std::string ice_enforce_list;  // interfaces/addresses Janus may use; empty: all
    uint16_t rtp_port_min = 30000;
    uint16_t rtp_port_max = 30999;
    std::string janus_binary = "janus";
    std::chrono::milliseconds ready_timeout{15000};
};

class JanusLocal {
    struct Key {};  // private: only start() can make one

public:
    explicit JanusLocal(Key /*unused*/) {}
    ~JanusLocal();
    JanusLocal(const JanusLocal&) = delete;
    JanusLocal& operator=(const JanusLocal&) = delete;

    // Writes the configuration, starts Janus and waits until its HTTP API answers.
    static core::Result<std::unique_ptr<JanusLocal>> start(const JanusLocalOptions& options);

    [[nodiscard]] std::string api_url() const;  // http://ip:port/janus
    [[nodiscard]] pid_t pid() const { return process_.pid(); }
    [[nodiscard]] const std::string& log_path() const { return log_path_; }

    // Janus configuration text (exposed for tests).
    static std::string main_config(const JanusLocalOptions& options, const std::string& dir);
    static std::string http_config(const JanusLocalOptions& options);
    static std::string videoroom_config();

private:
    JanusLocalOptions options_;
    core::ChildProcess process_;
    std::string log_path_;
    bool remove_dir_ = false;
};

// One blocking HTTP/1.0 GET (startup checks only, never on the control loop while it serves
// calls). Returns the status code and body.
struct SimpleHttpResponse {
    int status = 0;
    std::string body;
};
core::Result<SimpleHttpResponse> http_get_blocking(const std::string& ip, uint16_t port,
                                                   const std::string& path,
                                                   std::chrono::milliseconds timeout);

}  // namespace services
