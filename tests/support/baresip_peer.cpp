#include "support/baresip_peer.hpp"

#include "support/ports.hpp"
#include "support/temp_dir.hpp"

#include <cstdlib>
#include <sstream>

namespace testsupport {
namespace {

std::string config_text(const BaresipOptions& o, const std::filesystem::path& dir,
                        uint16_t sip_port, uint16_t ctrl_port) {
    std::ostringstream c;
    c << "poll_method epoll\n"
      // Both pinned to loopback: without them baresip binds every interface and advertises
      // the machine's public address in its SDP.
      << "sip_listen 127.0.0.1:" << sip_port << "\n"
      << "net_interface 127.0.0.1\n"
      << "call_local_timeout 120\n"
      << "call_max_calls 4\n"
      << "audio_source "
      << (o.audio_source.empty() ? "ausine," + std::to_string(o.tone_hz) : o.audio_source)
      << "\n"
      // No sound card here: aubridge is a player that needs no device.
      << "audio_player aubridge,nil\n"
      << "audio_alert aubridge,nil\n"
      // ausine only produces 48 kHz stereo; baresip resamples to the codec from there.
      << "ausrc_srate " << o.ausrc_srate << "\nausrc_channels " << o.ausrc_channels
      << "\nauplay_srate 48000\n"
      << "video_source " << o.video_source << "\n"
      << "video_display fakevideo,nil\n"
      << "video_size " << o.video_width << "x" << o.video_height << "\n"
      << "video_bitrate " << o.video_bitrate << "\n"
      << "video_fps " << o.video_fps << "\n"
      << "rtcp_mux " << (o.rtcp_mux ? "yes" : "no") << "\n"
      << "module_path /usr/lib/baresip/modules\n"
      // No stun/turn/ice modules: nothing may be sent beyond 127.0.0.1.
      << "module g711.so\nmodule g722.so\nmodule opus.so\n"
      << "module ausine.so\nmodule aubridge.so\nmodule fakevideo.so\n"
      << "module avcodec.so\n"
      << (o.h264_both_modes ? "" : "module vp8.so\n") << "module sndfile.so\n"
      << (o.video_source.starts_with("avformat") ? "module avformat.so\n" : "")
      << (o.audio_source.starts_with("aufile") ? "module aufile.so\n" : "")
      // A video filter: `snapshot_recv <file>` saves the next decoded received frame as PNG.
      << "module snapshot.so\n"
      << (o.mediaenc.starts_with("srtp") ? "module srtp.so\n" : "")
      << (o.mediaenc == "dtls_srtp" ? "module dtls_srtp.so\n" : "")
      << "module_app menu.so\nmodule_app ctrl_tcp.so\n"
      << "module_tmp account.so\n"
      << "ctrl_tcp_listen 127.0.0.1:" << ctrl_port << "\n"
      << "snd_path " << dir.string() << "\n";
    return c.str();
}

std::string account_line(const BaresipOptions& o) {
    std::ostringstream a;
    a << "<sip:" << o.user << "@127.0.0.1;transport=" << o.transport << ">";
    a << ";answermode=" << o.answermode;
    if (!o.audio_codecs.empty()) a << ";audio_codecs=" << o.audio_codecs;
    if (!o.video_codecs.empty() && !o.h264_both_modes) a << ";video_codecs=" << o.video_codecs;
    if (!o.mediaenc.empty()) a << ";mediaenc=" << o.mediaenc;
    if (o.registrar) {
        a << ";auth_user=" << o.auth_user << ";auth_pass=" << o.auth_password;
        a << ";outbound=\"" << *o.registrar << ";transport=" << o.transport << "\"";
        a << ";regint=" << o.register_interval_s;
    } else {
        a << ";regint=0";
    }
    return a.str();
}

}  // namespace

core::Result<std::unique_ptr<BaresipPeer>> BaresipPeer::start(const std::filesystem::path& dir,
                                                              BaresipOptions options) {
    auto peer = std::make_unique<BaresipPeer>();
    peer->options_ = std::move(options);
    peer->dir_ = dir / peer->options_.name;
    std::filesystem::create_directories(peer->dir_);
    peer->sip_port_ = free_port_block(2);
    peer->ctrl_port_ = free_port();
    write_file(peer->dir_ / "config",
               config_text(peer->options_, peer->dir_, peer->sip_port_, peer->ctrl_port_));
    std::string accounts = account_line(peer->options_) + "\n";
    for (const auto& extra : peer->options_.extra_accounts) accounts += extra + "\n";
    write_file(peer->dir_ / "accounts", accounts);
    write_file(peer->dir_ / "contacts", "");

    // SIPMEDIAGW_BARESIP names another program to run instead (same arguments), e.g. a script
    // that execs `baresip -v -s "$@"` with timestamped output, to trace a run's SIP and media.
    const char* binary = std::getenv("SIPMEDIAGW_BARESIP");
    auto prog = Program::start(peer->options_.name,
                               {binary != nullptr && *binary != '\0' ? binary : "baresip", "-4",
                                "-f", peer->dir_.string()},
                               dir);
    if (!prog) return prog.error();
    peer->program_ = std::move(prog.value());
    auto ctrl = BaresipCtrl::connect(peer->ctrl_port_, std::chrono::seconds(20));
    if (!ctrl) return core::fail(ctrl.error().message + "\n" + peer->program_.tail());
    peer->ctrl_ = std::move(ctrl.value());
    return peer;
}

std::string BaresipPeer::contact_uri() const {
    return "sip:" + options_.user + "@127.0.0.1:" + std::to_string(sip_port_);
}

core::Status BaresipPeer::dial(const std::string& uri) {
    auto r = ctrl_->command("dial", uri);
    if (!r) return r.error();
    if (!r->ok) return core::fail("baresip dial failed: " + r->data);
    return core::Ok{};
}

bool BaresipPeer::wait_established(std::chrono::milliseconds timeout) {
    return ctrl_->wait_event("CALL_ESTABLISHED", timeout).has_value();
}

std::optional<std::string> BaresipPeer::wait_closed(std::chrono::milliseconds timeout) {
    auto e = ctrl_->wait_event("CALL_CLOSED", timeout);
    if (!e) return std::nullopt;
    return e->param;
}

core::Status BaresipPeer::snapshot_received(const std::filesystem::path& png) {
    auto r = ctrl_->command("snapshot_recv", png.string());
    if (!r) return r.error();
    if (!r->ok) return core::fail("baresip snapshot_recv failed: " + r->data);
    return core::Ok{};
}

std::optional<std::filesystem::path> BaresipPeer::received_audio() const {
    std::optional<std::filesystem::path> newest;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
        const std::string name = e.path().filename().string();
        // dump-<date>-dec.wav; the timestamped names sort by time.
        if (name.starts_with("dump-") && name.ends_with("-dec.wav") &&
            (!newest || e.path() > *newest))
            newest = e.path();
    }
    return newest;
}

bool BaresipPeer::call_is_established() {
    auto r = ctrl_->command("listcalls");
    return r && r->ok && r->data.find("ESTABLISHED") != std::string::npos;
}

}  // namespace testsupport
