#include "browser/chromium.hpp"

#include "browser/reaper.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace browser {

namespace {

// The child's fd numbers for --remote-debugging-pipe are fixed (3: it reads, 4: it writes), so
// our ends must never sit on 3 or 4 themselves, or one dup2 would clobber the other.
constexpr int kLowestParentFd = 10;

core::Result<OwnedFd> lift(int fd, bool nonblocking) {
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, kLowestParentFd);
    const int err = errno;
    ::close(fd);
    if (moved < 0) return core::fail(std::string("fcntl(F_DUPFD_CLOEXEC): ") + std::strerror(err));
    if (nonblocking) ::fcntl(moved, F_SETFL, ::fcntl(moved, F_GETFL) | O_NONBLOCK);
    return OwnedFd(moved);
}

struct PipeEnds {
    OwnedFd read;
    OwnedFd write;
};

// O_CLOEXEC so that no other child we start inherits an end (that would hide EOF); the child's
// ends stay blocking, ours are non-blocking for the control loop.
core::Result<PipeEnds> make_pipe(bool parent_reads) {
    int fds[2] = {-1, -1};
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return core::fail(std::string("pipe2: ") + std::strerror(errno));
    auto r = lift(fds[0], parent_reads);
    auto w = lift(fds[1], !parent_reads);
    if (!r) return r.error();
    if (!w) return w.error();
    return PipeEnds{std::move(*r), std::move(*w)};
}

// Chromium honours only the last --enable-features and the last --disable-features, and a
// feature in both stays disabled: a configured list is merged into ours, and a feature it names
// leaves our other list, so configuration can undo any of our choices.
void move_features(const std::string& list, std::vector<std::string>& from,
                   std::vector<std::string>& to) {
    size_t start = 0;
    while (start <= list.size()) {
        const size_t comma = std::min(list.find(',', start), list.size());
        const std::string name = list.substr(start, comma - start);
        start = comma + 1;
        if (name.empty()) continue;
        std::erase(from, name);
        if (std::ranges::find(to, name) == to.end()) to.push_back(name);
    }
}

std::string join_features(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
    return out;
}

}  // namespace

std::string describe_wait_status(int wait_status) {
    if (WIFEXITED(wait_status))
        return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
    if (WIFSIGNALED(wait_status))
        return "killed by signal " + std::to_string(WTERMSIG(wait_status));
    return "ended (wait status " + std::to_string(wait_status) + ")";
}

bool sandbox_disabled_for(uid_t euid) {
    return euid == 0;
}

bool warn_if_unsandboxed(uid_t euid) {
    if (!sandbox_disabled_for(euid)) return false;
    spdlog::warn(
        "browser: running as root, so Chromium starts with --no-sandbox; run the daemon as an "
        "unprivileged user in production (docs/security.md)");
    return true;
}

std::vector<std::string> chromium_command_line(const LaunchOptions& options,
                                               const std::string& user_data_dir) {
    return chromium_command_line(options, user_data_dir, ::geteuid());
}

std::vector<std::string> chromium_command_line(const LaunchOptions& options,
                                               const std::string& user_data_dir, uid_t euid) {
    std::vector<std::string> args{
        options.executable,
        "--headless",
        "--remote-debugging-pipe",
        "--user-data-dir=" + user_data_dir,
        "--window-size=" + std::to_string(options.window_width) + "," +
            std::to_string(options.window_height),
        "--disable-gpu",
        // Without it the GPU process still loads SwiftShader (software Vulkan and GL) for the
        // pages' WebGL: about 10 MiB of heap and 10-16 MiB PSS per browser, measured in a 720p call
        // (docs/browser.md, "Process model"). No page of ours draws with WebGL (the compositor
        // uses a 2D canvas, drawn by the renderer); a meeting client that needs it can have it
        // back with `--use-gl=angle --use-angle=swiftshader` in extra_flags (the last value of a
        // switch wins).
        "--use-gl=disabled",
        "--no-first-run",
        "--no-default-browser-check",
        // No internet here and nothing to fetch in production: background fetches only log errors.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--disable-breakpad",
        // Without it remote audio is never decoded (no user gesture in a headless tab).
        "--autoplay-policy=no-user-gesture-required",
        // The media link to the gateway runs over 127.0.0.1.
        "--allow-loopback-in-peer-connection",
        // Tab capture of the meeting page without a picker.
        "--auto-accept-this-tab-capture",
        // No start tab: every page is one the gateway opens (Target.createTarget), and an idle
        // about:blank tab costs a renderer of its own (docs/browser.md, "Process model").
        "--no-startup-window",
        // A page that draws video into a 2D canvas (the compositor toward the caller) leaves one
        // decoded picture per frame in discardable shared memory, which Chromium purges only past
        // its limit: 512 MiB per browser, 64 MiB in low-end mode (measured in a call's renderer:
        // 458 MiB of shared memory, 62 with the flag; docs/browser.md, "Process model").
        "--enable-low-end-device-mode",
    };
    // mDNS-hidden host candidates would never resolve on the loopback link. The omnibox popup
    // WebUI is preloaded into a renderer of its own even headless (58 MiB PSS measured). A spare
    // renderer is kept launched for the next navigation, in every browser (measured: one
    // process, 8 MiB of heap and about 20 MiB PSS). Configured feature lists are merged in
    // (move_features).
    //
    // The network and audio services run in the browser process instead of a utility process
    // each. In this Chromium on Linux both run unsandboxed anyway (`--service-sandbox-type=none`,
    // no seccomp filter, measured as an ordinary user), so no sandbox is given up; a crash of
    // either now ends the browser, which the gateway handles as any browser crash (the call
    // rejoins). Measured per 720p call, back to back on a loaded host: utility:network 28 MiB PSS
    // (18 of heap) and utility:audio 22 (16) gone, the browser process 4-6 MiB bigger
    // (docs/browser.md, "Process model").
    std::vector<std::string> disabled{
        "WebRtcHideLocalIpsWithMdns", "WebUIOmniboxPopup",     "WebUIOmniboxAimPopup",
        "WebUIOmniboxFullPopup",      "PreloadTopChromeWebUI", "SpareRendererForSitePerProcess",
        "AudioServiceOutOfProcess"};
    std::vector<std::string> enabled{"NetworkServiceInProcess2"};
    const std::string disable_prefix = "--disable-features=";
    const std::string enable_prefix = "--enable-features=";
    // Low-end mode also caps a page's JavaScript heap at 286 MB; a big meeting client must not
    // run out, so V8 gets its usual room back. Chromium honours only the last --js-flags, and
    // V8 the last of each flag: configured V8 flags are appended to ours.
    std::string js_flags = "--max-old-space-size=1024";
    const std::string js_prefix = "--js-flags=";
    std::vector<std::string> extra;
    for (const auto& f : options.extra_flags) {
        if (f.rfind(disable_prefix, 0) == 0) {
            move_features(f.substr(disable_prefix.size()), enabled, disabled);
        } else if (f.rfind(enable_prefix, 0) == 0) {
            move_features(f.substr(enable_prefix.size()), disabled, enabled);
        } else if (f.rfind(js_prefix, 0) == 0) {
            js_flags += " " + f.substr(js_prefix.size());
        } else {
            extra.push_back(f);
        }
    }
    if (!enabled.empty()) args.push_back(enable_prefix + join_features(enabled));
    args.push_back(disable_prefix + join_features(disabled));
    args.push_back(js_prefix + js_flags);
    if (!options.language.empty()) {
        // --lang sets the UI locale (navigator.language); headless takes Accept-Language from
        // --accept-lang, not from the locale.
        args.push_back("--lang=" + options.language);
        args.push_back("--accept-lang=" + options.language);
    }
    if (sandbox_disabled_for(euid)) args.emplace_back("--no-sandbox");
    for (const auto& f : extra) args.push_back(f);
    return args;
}

core::Result<std::unique_ptr<Chromium>> Chromium::launch(const LaunchOptions& options) {
    auto profile = TempDir::create(options.profile_parent, "sipmediagw-chromium-");
    if (!profile) return profile.error();
    auto to_child = make_pipe(false);
    if (!to_child) return to_child.error();
    auto from_child = make_pipe(true);
    if (!from_child) return from_child.error();

    core::SpawnOptions spawn;
    spawn.fd_map = {{3, to_child->read.get()}, {4, from_child->write.get()}};
    spawn.stdout_path = options.stderr_path;
    spawn.stderr_path = options.stderr_path;
    auto process =
        core::ChildProcess::spawn(chromium_command_line(options, profile->path()), spawn);
    if (!process) return process.error();

    auto c = std::make_unique<Chromium>(Key{});
    c->profile_ = std::move(*profile);
    c->process_ = std::move(*process);
    c->devtools_write_ = std::move(to_child->write);
    c->devtools_read_ = std::move(from_child->read);
    // The child's ends close here (their OwnedFd), so EOF on our read end means the browser is
    // gone.
    return c;
}

Chromium::~Chromium() {
    stop();
}

core::Status Chromium::watch_exit(ExitHandler on_exit) {
    on_exit_ = std::move(on_exit);
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, process_.pid(), 0));
    if (fd >= 0) {
        pidfd_ = OwnedFd(fd);
        return exit_watch_.watch(pidfd_.get(), FD_READ, [this](int) { on_pidfd(); });
    }
    // Old kernels: poll the child's state instead (on_pidfd re-arms the timer).
    exit_poll_.start(250, [this]() { on_pidfd(); });
    return core::Ok{};
}

void Chromium::on_pidfd() {
    if (exit_reported_) return;
    if (process_.running()) {
        if (!pidfd_.valid()) exit_poll_.start(250, [this]() { on_pidfd(); });
        return;
    }
    exit_reported_ = true;
    exit_watch_.reset();
    auto handler = on_exit_;
    if (handler) handler(process_.exit_status().value_or(-1));
}

void Chromium::stop(std::chrono::milliseconds grace) {
    exit_watch_.reset();
    exit_poll_.cancel();
    if (process_.pid() > 0) process_.terminate(grace);
    devtools_read_.reset();
    devtools_write_.reset();
    pidfd_.reset();
    profile_.remove();
}

void Chromium::stop_in_background(bool kill_now, std::chrono::milliseconds grace) {
    // Watches and timers belong to the control loop: released here, on its thread.
    exit_watch_.reset();
    exit_poll_.cancel();
    devtools_read_.reset();
    devtools_write_.reset();
    pidfd_.reset();
    if (process_.pid() > 0 && !process_.exit_status()) {
        Reaper::instance().discard(std::move(process_), std::move(profile_), kill_now, grace);
    } else {
        process_.terminate(grace);  // already exited: only its group's leftovers to kill
        profile_.remove();
    }
}

void Chromium::kill_now() {
    // A stopped (SIGSTOP) process ignores SIGTERM; SIGKILL always works.
    process_.signal(SIGKILL);
}

}  // namespace browser
