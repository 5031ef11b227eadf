// baresip 1.0.0 as a scriptable SIP endpoint: config dir generated per test, SIP on
// 127.0.0.1:<free port> (it also binds SIP/TLS on port+1), ctrl_tcp on its own port, a sine tone
// (ausine) as microphone, fakevideo as camera and display, sndfile recording what it receives,
// snapshot saving a received frame on request.
#pragma once

#include "core/result.hpp"
#include "support/baresip_ctrl.hpp"
#include "support/program.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace testsupport {

struct BaresipOptions {
    std::string name = "baresip";  // log and dir name
    std::string user = "alice";    // account user part
    // When set ("sip:127.0.0.1:PORT"), the account registers there (and uses it as outbound
    // proxy) with these credentials.
    std::optional<std::string> registrar;
    std::string auth_user;
    std::string auth_password;
    uint32_t register_interval_s = 60;
    std::string answermode = "manual";  // "manual" or "auto"
    std::string transport = "udp";      // of the account (and its registration)
    std::string audio_codecs;           // e.g. "opus/48000/2,PCMU"; empty: all loaded
    std::string video_codecs;           // e.g. "H264", "VP8"; empty: all loaded
    // Offer H.264 in packetization-mode 0 and 1, as room systems (Cisco, Poly) do. baresip's
    // avcodec registers both, but an account's video_codecs=H264 takes the first (mode 0) only:
    // this sets no video_codecs and loads no vp8, so the offer is avcodec's list, H.264 mode 0,
    // mode 1, then H.263, MPEG-4 and H.265. Overrides video_codecs.
    bool h264_both_modes = false;
    int tone_hz = 440;  // ausine frequency
    // "module,device" for the microphone instead of ausine, e.g. "aufile,/tmp/x.wav" (aufile
    // wants the file's rate and channels in ausrc_srate/ausrc_channels; ausine only does
    // 48000/2).
    std::string audio_source;
    int ausrc_srate = 48000;
    int ausrc_channels = 2;
    // fakevideo camera: what baresip encodes and sends (baresip's video_size/fps/bitrate).
    int video_width = 352;
    int video_height = 288;
    int video_fps = 15;
    int video_bitrate = 500000;  // bit/s
    // "module,device". fakevideo's frames are one flat colour (they encode to a few kb/s);
    // "avformat,lavfi,testsrc2=size=1280x720:rate=30" gives moving, detailed frames.
    std::string video_source = "fakevideo,nil";
    // The account's media encryption (baresip `mediaenc`): "srtp" (best effort), "srtp-mand"
    // (RTP/SAVP), "srtp-mandf" (RTP/SAVPF), "dtls_srtp"; empty: none. Loads the module.
    std::string mediaenc;
    bool rtcp_mux = false;  // offer a=rtcp-mux (RFC 5761)
    // Extra raw account lines (e.g. a second account, unregistered, for a room name).
    std::vector<std::string> extra_accounts;
};

class BaresipPeer {
public:
    static core::Result<std::unique_ptr<BaresipPeer>> start(const std::filesystem::path& dir,
                                                            BaresipOptions options);

    [[nodiscard]] uint16_t sip_port() const noexcept { return sip_port_; }
    [[nodiscard]] std::string contact_uri() const;  // sip:<user>@127.0.0.1:<port>
    [[nodiscard]] BaresipCtrl& ctrl() noexcept { return *ctrl_; }
    [[nodiscard]] Program& program() noexcept { return program_; }
    [[nodiscard]] const std::filesystem::path& config_dir() const noexcept { return dir_; }

    // Convenience over ctrl(): dial, wait for CALL_ESTABLISHED / CALL_CLOSED.
    core::Status dial(const std::string& uri);
    bool wait_established(std::chrono::milliseconds timeout);
    // The CALL_CLOSED reason, if the call closed within the timeout.
    std::optional<std::string> wait_closed(std::chrono::milliseconds timeout);
    // The snapshot module saves the next decoded frame of the call's received video there.
    core::Status snapshot_received(const std::filesystem::path& png);
    // The sndfile module's recording of the received (decoded) audio of the latest call.
    [[nodiscard]] std::optional<std::filesystem::path> received_audio() const;
    // "callstat"/"listcalls" text says the call is up (ESTABLISHED).
    bool call_is_established();

private:
    BaresipOptions options_;
    std::filesystem::path dir_;
    uint16_t sip_port_ = 0;
    uint16_t ctrl_port_ = 0;
    Program program_;
    std::unique_ptr<BaresipCtrl> ctrl_;  // destroyed before program_ stops
};

}  // namespace testsupport
