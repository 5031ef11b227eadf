#include "services/janus_local.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

namespace services {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLibDir = "/usr/lib/x86_64-linux-gnu/janus";

core::Status write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    if (!out) return core::fail("cannot write " + path.string());
    return core::Ok{};
}

// Owns a socket fd.
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

std::string JanusLocal::main_config(const JanusLocalOptions& o, const std::string& dir) {
    std::string c;
    c += "general: {\n";
    c += "  configs_folder = \"" + dir + "\"\n";
    c += std::string("  plugins_folder = \"") + kLibDir + "/plugins\"\n";
    c += std::string("  transports_folder = \"") + kLibDir + "/transports\"\n";
    c += std::string("  events_folder = \"") + kLibDir + "/events\"\n";
    c += std::string("  loggers_folder = \"") + kLibDir + "/loggers\"\n";
    c += "  debug_level = 4\n";
    c += "}\n";
    c += "certificates: {}\n";
    c += "media: {\n  rtp_port_range = \"" + std::to_string(o.rtp_port_min) + "-" +
         std::to_string(o.rtp_port_max) + "\"\n}\n";
    c += "nat: {\n  nice_debug = false\n  ice_tcp = false\n  full_trickle = true\n";
    if (!o.ice_enforce_list.empty()) c += "  ice_enforce_list = \"" + o.ice_enforce_list + "\"\n";
    c += "  ice_ignore_list = \"vmnet\"\n}\n";
    // Only what the demo needs: fewer plugins, faster start, nothing else listening.
    c += "plugins: {\n  disable = "
         "\"libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,"
         "libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,"
         "libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,"
         "libjanus_voicemail.so\"\n}\n";
    c += "transports: {\n  disable = \"libjanus_websockets.so,libjanus_mqtt.so,libjanus_nanomsg.so,"
         "libjanus_pfunix.so,libjanus_rabbitmq.so\"\n}\n";
    c += "loggers: {\n  disable = \"libjanus_jsonlog.so\"\n}\n";
    c += "events: {\n  broadcast = false\n}\n";
    return c;
}

std::string JanusLocal::http_config(const JanusLocalOptions& o) {
    return "general: {\n  json = \"plain\"\n  base_path = \"/janus\"\n  http = true\n  port = " +
           std::to_string(o.http_port) + "\n  ip = \"" + o.http_ip +
           "\"\n  https = false\n}\nadmin: {\n  admin_http = false\n  admin_https = false\n}\n"
           "cors: {\n  allow_origin = \"*\"\n}\n";
}

std::string JanusLocal::videoroom_config() {
    // Room 1234 as in the demo page, open to any codec the gateway or Chromium sends.
    return "general: {}\n"
           "room-1234: {\n"
           "  description = \"sipmediagw demo room\"\n"
           "  publishers = 16\n"
           "  bitrate = 2000000\n"
           "  fir_freq = 10\n"
           "  audiocodec = \"opus\"\n"
           "  videocodec = \"h264,vp8\"\n"
           "  h264_profile = \"42e01f\"\n"
           "  record = false\n"
           "}\n";
}

core::Result<std::unique_ptr<JanusLocal>> JanusLocal::start(const JanusLocalOptions& options) {
    auto j = std::make_unique<JanusLocal>(Key{});
    j->options_ = options;
    std::error_code ec;
    std::string dir = options.work_dir;
    if (dir.empty()) {
        char tmpl[] = "/tmp/sipmediagw-janus-XXXXXX";
        if (mkdtemp(tmpl) == nullptr) return core::fail("cannot create a Janus work directory");
        dir = tmpl;
        j->remove_dir_ = true;
    } else {
        fs::create_directories(dir, ec);
        if (ec) return core::fail("cannot create " + dir + ": " + ec.message());
    }
    j->options_.work_dir = dir;
    if (auto st = write_file(fs::path(dir) / "janus.jcfg", main_config(options, dir)); !st)
        return st.error();
    if (auto st = write_file(fs::path(dir) / "janus.transport.http.jcfg", http_config(options));
        !st)
        return st.error();
    if (auto st = write_file(fs::path(dir) / "janus.plugin.videoroom.jcfg", videoroom_config());
        !st)
        return st.error();

    j->log_path_ = (fs::path(dir) / "janus.log").string();
    core::SpawnOptions spawn;
    spawn.stdout_path = j->log_path_;
    spawn.stderr_path = j->log_path_;
    auto proc = core::ChildProcess::spawn(
        {options.janus_binary, "-F", dir, "-C", (fs::path(dir) / "janus.jcfg").string(), "-o"},
        spawn);
    if (!proc) return proc.error();
    j->process_ = std::move(*proc);

    const auto deadline = std::chrono::steady_clock::now() + options.ready_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!j->process_.running())
            return core::fail("janus exited during start-up; see " + j->log_path_);
        auto r = http_get_blocking(options.http_ip, options.http_port, "/janus/info",
                                   std::chrono::milliseconds(500));
        if (r && r->status == 200 && r->body.find("janus.plugin.videoroom") != std::string::npos) {
            spdlog::info("demo: janus ready api={} pid={}", j->api_url(), j->process_.pid());
            return j;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return core::fail("janus did not answer on " + j->api_url() + " in time; see " + j->log_path_);
}

JanusLocal::~JanusLocal() {
    process_.terminate();
    if (remove_dir_) {
        std::error_code ec;
        fs::remove_all(options_.work_dir, ec);
    }
}

std::string JanusLocal::api_url() const {
    return "http://" + options_.http_ip + ":" + std::to_string(options_.http_port) + "/janus";
}

core::Result<SimpleHttpResponse> http_get_blocking(const std::string& ip, uint16_t port,
                                                   const std::string& path,
                                                   std::chrono::milliseconds timeout) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1)
        return core::fail("not an IPv4 address: " + ip);
    Fd s;
    s.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s.fd < 0) return core::fail(std::string("socket: ") + std::strerror(errno));
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
        return core::fail(std::string("connect: ") + std::strerror(errno));
    const std::string req = "GET " + path + " HTTP/1.0\r\nHost: " + ip + "\r\n\r\n";
    if (::send(s.fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
        return core::fail("send failed");
    std::string resp;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::recv(s.fd, buf, sizeof(buf), 0);
        if (n <= 0) break;
        resp.append(buf, static_cast<size_t>(n));
        if (resp.size() > (1U << 20)) break;
    }
    SimpleHttpResponse out;
    if (resp.rfind("HTTP/1.", 0) != 0 || resp.size() < 12) return core::fail("not an HTTP answer");
    out.status = std::atoi(resp.c_str() + 9);
    const auto body = resp.find("\r\n\r\n");
    if (body != std::string::npos) out.body = resp.substr(body + 4);
    return out;
}

}  // namespace services
