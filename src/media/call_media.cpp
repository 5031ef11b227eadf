#include "media/call_media.hpp"

#include "media/bridge_channels.hpp"

#include <spdlog/spdlog.h>

#include <fmt/format.h>
#include <cstdio>

namespace media {

namespace {

constexpr guint kMaxSsrcsPerSession = 4;

int64_t now_ms() {
    return g_get_monotonic_time() / 1000;
}

bool same_codec(const std::optional<sip::NegotiatedStream>& a,
                const std::optional<sip::NegotiatedStream>& b) {
    if (a.has_value() != b.has_value()) return false;
    if (!a) return true;
    return a->codec.name == b->codec.name && a->codec.payload_type == b->codec.payload_type &&
           a->codec.remote_params == b->codec.remote_params && a->rtcp_mux == b->rtcp_mux &&
           a->bandwidth_kbps == b->bandwidth_kbps && a->srtp == b->srtp && a->dtls == b->dtls &&
           (a->telephone_event ? a->telephone_event->payload_type : -1) ==
               (b->telephone_event ? b->telephone_event->payload_type : -1);
}

}  // namespace

CallMedia::CallMedia(Key, std::string session_id, const core::MediaConfig& config,
                     core::ControlLoop& loop, CallEvents events, std::string address,
                     RtpSocketPair audio, RtpSocketPair video, RtpSocketPair content)
    : session_id_(std::move(session_id)),
      log_prefix_("media: sess=" + session_id_),
      config_(config),
      loop_(loop),
      events_(std::make_shared<CallEvents>(std::move(events))),
      audio_(sip::MediaKind::Audio, std::move(audio), log_prefix_),
      video_(sip::MediaKind::Video, std::move(video), log_prefix_),
      content_(sip::MediaKind::Video, std::move(content), log_prefix_, true) {
    bind_address_ = address;
    ports_.address = std::move(address);
    ports_.audio_rtp = audio_.rtp_port();
    ports_.audio_rtcp = audio_.rtcp_port();
    ports_.video_rtp = video_.rtp_port();
    ports_.video_rtcp = video_.rtcp_port();
    ports_.content_rtp = content_.rtp_port();
    ports_.content_rtcp = content_.rtcp_port();
    audio_.set_bridge_session(session_id_);
    video_.set_bridge_session(session_id_);
    content_.set_bridge_session(content_bridge_session(session_id_));
}

void CallMedia::set_dtls_identity(std::shared_ptr<const DtlsIdentity> identity) {
    dtls_identity_ = identity;
    ports_.dtls_fingerprint = identity ? identity->fingerprint : std::string();
    audio_.set_dtls_identity(identity);
    video_.set_dtls_identity(identity);
    content_.set_dtls_identity(std::move(identity));
}

CallMedia::~CallMedia() {
    stop();
}

void CallMedia::post(std::function<void(CallEvents&)> fn) {
    std::weak_ptr<CallEvents> weak = events_;
    post_to_control(loop_, [weak, fn = std::move(fn)] {
        if (auto events = weak.lock()) fn(*events);
    });
}

void CallMedia::stop() {
    timeout_timer_.cancel();
    if (!pipeline_) return;
    // Detach first: while going to NULL a source can still push into a chain that is being
    // taken apart ("streaming stopped, reason not-linked"), and that error, reported as the
    // call's, hung up callers switching from the IVR to the meeting. Nothing a discarded
    // pipeline says concerns the call.
    GstPtr<GstBus> bus(gst_element_get_bus(pipeline_.get()));
    gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    pipeline_.reset();
    rtpbin_ = nullptr;
    audio_.clear();
    video_.clear();
    content_.clear();
}

core::Status CallMedia::use_relays(const core::TurnConfig& turn, bool with_content,
                                   uint32_t timeout_ms, std::function<void(core::Status)> done) {
    // Credentials are derived per call: secret-based ones expire after [turn] ttl.
    auto account = make_turn_account(turn);
    if (!account) return account.error();
    turn_ = turn;
    turn_timeout_ms_ = timeout_ms;
    auto relays = CallRelays::create(*account, ports_, with_content, log_prefix_, timeout_ms,
                                     [this, done = std::move(done)](const core::Status& st) {
                                         if (st) take_relayed_ports();
                                         done(st);  // may destroy this call
                                     });
    if (!relays) return relays.error();
    relays_ = std::move(*relays);
    return core::Ok{};
}

void CallMedia::take_relayed_ports() {
    auto keys = std::move(ports_.srtp_keys);
    auto fingerprint = ports_.dtls_fingerprint;
    ports_ = relays_->relayed_ports();
    ports_.srtp_keys = std::move(keys);
    ports_.dtls_fingerprint = fingerprint;
}

core::Status CallMedia::add_content_relays(std::function<void(core::Status)> done) {
    if (!relays_) return core::fail("turn: the call is not relayed");
    // Derived again: the call's first credentials may have expired ([turn] ttl) by the time
    // a room starts presenting.
    auto account = make_turn_account(turn_);
    if (!account) return account.error();
    sip::LocalMediaPorts local;
    local.address = bind_address_;
    local.content_rtp = content_.rtp_port();
    local.content_rtcp = content_.rtcp_port();
    return relays_->add_content(*account, local, turn_timeout_ms_,
                                [this, done = std::move(done)](const core::Status& st) {
                                    if (st) take_relayed_ports();
                                    done(st);
                                });
}

core::Status CallMedia::start(const sip::NegotiatedMedia& offered, Mode mode) {
    // Behind a relay the pipeline talks to the relay's local sockets, never to the peer.
    const sip::NegotiatedMedia media = relays_ ? relays_->route(offered) : offered;
    stop();
    mode_ = mode;
    audio_active_ = media.audio.has_value() && media.audio->remote_rtp_port != 0;
    video_active_ = media.video.has_value() && media.video->remote_rtp_port != 0;
    content_active_ = media.content.has_value() && media.content->remote_rtp_port != 0;
    if (!audio_active_ && !video_active_) return core::fail("media: no stream to start");

    pipeline_.reset(gst_pipeline_new(("call-" + session_id_).c_str()));
    gst_object_ref_sink(pipeline_.get());
    rtpbin_ = gst_element_factory_make("rtpbin", "rtpbin");
    if (rtpbin_ == nullptr) return core::fail("media: rtpbin is missing (gst-plugins-good)");
    bool feedback = false;
    for (const auto* s : {&media.audio, &media.video, &media.content}) {
        if (*s && ((*s)->avpf || (*s)->feedback.pli || (*s)->feedback.fir)) feedback = true;
    }
    // AVPF lets rtpsession send a PLI/FIR at once instead of at the next regular RTCP
    // interval (RFC 4585 early feedback); peers that list rtcp-fb understand it.
    g_object_set(rtpbin_, "latency", 80U, "do-lost", TRUE, "rtp-profile", feedback ? 3 : 1,
                 nullptr);
    // Each SSRC costs a jitterbuffer (with its thread) and a ptdemux until the pipeline stops:
    // cap them per session, and free those whose source timed out. A few are allowed so a
    // peer restarting its stream (new SSRC) is not refused while the old one times out.
    g_object_set(rtpbin_, "max-streams", kMaxSsrcsPerSession, "autoremove", TRUE, nullptr);
    gst_bin_add(GST_BIN(pipeline_.get()), rtpbin_);
    g_signal_connect(rtpbin_, "request-pt-map", G_CALLBACK(&CallMedia::on_request_pt_map), this);
    g_signal_connect(rtpbin_, "pad-added", G_CALLBACK(&CallMedia::on_pad_added), this);
    GstPtr<GstBus> bus(gst_element_get_bus(pipeline_.get()));
    gst_bus_set_sync_handler(bus.get(), &CallMedia::on_bus, this, nullptr);

    if (audio_active_) {
        auto st = audio_.build(GST_BIN(pipeline_.get()), rtpbin_, *media.audio, mode, config_,
                               hooks_for("audio"));
        if (!st) {
            stop();
            return st;
        }
    }
    if (video_active_) {
        auto st = video_.build(GST_BIN(pipeline_.get()), rtpbin_, *media.video, mode, config_,
                               hooks_for("video"));
        if (!st) {
            stop();
            return st;
        }
    }
    if (content_active_) {
        if (auto st = build_content(*media.content, false); !st) {
            stop();
            return st;
        }
    }
    if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        stop();
        return core::fail("media: the pipeline does not start");
    }
    // Both streams share one protection in practice; name the first protected one.
    sip::Protection protection = sip::Protection::None;
    for (const auto* s : {&media.audio, &media.video})
        if (*s && (*s)->remote_rtp_port != 0 && protection == sip::Protection::None)
            protection = (*s)->protection;
    spdlog::info("{} started mode={} audio={} video={} content={} protection={}", log_prefix_,
                 mode == Mode::Echo     ? "echo"
                 : mode == Mode::Ivr    ? "ivr"
                 : mode == Mode::Bridge ? "bridge"
                                        : "idle",
                 audio_active_ ? media.audio->codec.name : "-",
                 video_active_ ? media.video->codec.name : "-",
                 content_active_ ? media.content->codec.name : "-",
                 sip::protection_name(protection));
    if (content_active_) log_content_line(offered, media);
    timeout_since_ms_ = now_ms();
    timed_out_ = false;
    if (config_.media_timeout_s > 0) {
        timeout_timer_.start(1000, [this] { check_media_timeout(); });
    }
    return core::Ok{};
}

StreamHooks CallMedia::hooks_for(const char* kind) {
    StreamHooks h;
    h.dtmf = [this](char digit) {
        spdlog::info("{} dtmf digit={}", log_prefix_, digit);
        post([digit](CallEvents& e) {
            if (e.on_dtmf) e.on_dtmf(digit);
        });
    };
    h.keyframe_needed = [this, kind] {
        spdlog::debug("{} {} keyframe needed, no RTCP feedback: asking by SIP INFO", log_prefix_,
                      kind);
        post([](CallEvents& e) {
            if (e.on_keyframe_needed) e.on_keyframe_needed();
        });
    };
    h.failed = [this](const std::string& reason) {
        post([reason](CallEvents& e) {
            if (e.on_error) e.on_error(reason);
        });
    };
    return h;
}

core::Status CallMedia::build_content(const sip::NegotiatedStream& content, bool running) {
    // The IVR's picture and prompts are for the main line: the content line stays idle
    // (received and dropped) until the call is bridged or echoed.
    const Mode content_mode = mode_ == Mode::Ivr ? Mode::Idle : mode_;
    // The room's content goes to the page as it came when its codec allows
    // (`content_passthrough`, receive only: the meeting's share is encoded here for the room);
    // the link offers that track from codec preferences, without waiting for the room's first
    // keyframe (media::MeetingBridge).
    core::MediaConfig content_config = config_;
    content_config.video_passthrough = config_.content_passthrough;
    auto st = content_.build(GST_BIN(pipeline_.get()), rtpbin_, content, content_mode,
                             content_config, hooks_for("content"));
    if (st && running) {
        // rtpbin gives a new session the profile it has (the main streams'): a content line
        // with RTCP feedback needs AVPF for its PLI/FIR to leave at once (see start()).
        if (content.avpf || content.feedback.pli || content.feedback.fir) {
            GstElement* session = nullptr;
            g_signal_emit_by_name(rtpbin_, "get-session", content_.session_id(), &session);
            if (session != nullptr) {
                g_object_set(session, "rtp-profile", 3, nullptr);  // GST_RTP_PROFILE_AVPF
                gst_object_unref(session);
            }
        }
        if (!content_.start_in_running_pipeline())
            st = core::fail("media: the content line's elements do not start");
    }
    if (!st) {
        if (running) content_.remove_from(GST_BIN(pipeline_.get()), rtpbin_);
        return st;
    }
    // Echo mode answers the room's content on its own line; in bridge mode only the
    // meeting's share goes out, while the gateway holds the floor.
    content_.set_sending(mode_ != Mode::Bridge || content_sending_);
    return core::Ok{};
}

void CallMedia::log_content_line(const sip::NegotiatedMedia& offered,
                                 const sip::NegotiatedMedia& routed) const {
    // Where the room's slides are expected, for operators matching a capture to the call
    // (behind TURN: the relayed address the room sends to).
    spdlog::info("{} content line local={}:{} peer={}:{} codec={} (main video local={}:{})",
                 log_prefix_, ports_.address, ports_.content_rtp, offered.content->remote_address,
                 offered.content->remote_rtp_port, routed.content->codec.name, ports_.address,
                 ports_.video_rtp);
}

void CallMedia::update_content(const sip::NegotiatedMedia& offered,
                               const sip::NegotiatedMedia& media) {
    const bool content_now = media.content.has_value() && media.content->remote_rtp_port != 0;
    const bool was = content_active_;
    const char* what = !content_now ? "removed" : was ? "changed" : "added";
    if (was) {
        content_.remove_from(GST_BIN(pipeline_.get()), rtpbin_);
        content_active_ = false;
    }
    if (content_now) {
        if (auto st = build_content(*media.content, true); !st) {
            // Audio and video still run: the call goes on as one without a content line
            // (content_active() says so) rather than ending over its slides.
            spdlog::warn(
                "{} content line {} by re-INVITE does not start: {}: the call goes on "
                "without it",
                log_prefix_, what, st.error().message);
            return;
        }
        content_active_ = true;
    }
    spdlog::info(
        "{} content line {} by re-INVITE: its own stream {} (rtpbin session 2), audio and video "
        "untouched",
        log_prefix_, what,
        !content_now ? "stopped"
        : was        ? "restarted"
                     : "started");
    if (content_now) log_content_line(offered, media);
}

core::Status CallMedia::update(const sip::NegotiatedMedia& offered) {
    if (!pipeline_) return start(offered, mode_);
    const sip::NegotiatedMedia media = relays_ ? relays_->route(offered) : offered;
    const bool audio_now = media.audio.has_value() && media.audio->remote_rtp_port != 0;
    const bool video_now = media.video.has_value() && media.video->remote_rtp_port != 0;
    const bool content_now = media.content.has_value() && media.content->remote_rtp_port != 0;
    // Audio or video added, removed or recoded: the whole pipeline is made again. The content
    // line alone (a room plugging in a laptop, docs/content.md) is added, removed or rebuilt in
    // the running pipeline, and the main media never notice.
    const bool rebuild =
        audio_now != audio_active_ || video_now != video_active_ ||
        (audio_now && !same_codec(media.audio, std::optional(audio_.negotiated()))) ||
        (video_now && !same_codec(media.video, std::optional(video_.negotiated())));
    const bool content_changed =
        content_now != content_active_ ||
        (content_now && !same_codec(media.content, std::optional(content_.negotiated())));
    if (rebuild) {
        // RFC 5763 §5: a new fingerprint (the peer's new certificate) or a new role is a new
        // DTLS association; the rebuilt pipeline makes it, and a failure ends the call as at start.
        for (const auto* st : {&media.audio, &media.video}) {
            if (!*st || !(*st)->dtls) continue;
            const auto& before =
                (*st)->kind == sip::MediaKind::Audio ? audio_.negotiated() : video_.negotiated();
            if (before.dtls && *before.dtls != *(*st)->dtls)
                spdlog::info("{} {} dtls: the peer's {} changed: new handshake", log_prefix_,
                             (*st)->kind == sip::MediaKind::Audio ? "audio" : "video",
                             before.dtls->remote_fingerprint != (*st)->dtls->remote_fingerprint
                                 ? "certificate"
                                 : "role");
        }
        spdlog::info("{} streams or codecs changed: restarting media", log_prefix_);
        return start(offered, mode_);
    }
    if (content_changed) update_content(offered, media);
    if (audio_now) audio_.set_remote(*media.audio);
    if (video_now) video_.set_remote(*media.video);
    if (content_now && !content_changed) content_.set_remote(*media.content);
    // Hold/resume restarts the timeout clock: the peer may have been silent on purpose.
    timeout_since_ms_ = now_ms();
    timed_out_ = false;
    return core::Ok{};
}

MediaStream& CallMedia::stream_of(unsigned rtp_session) {
    return rtp_session == 0 ? audio_ : rtp_session == 1 ? video_ : content_;
}

void CallMedia::send_keyframe() {
    if (video_active_) video_.send_keyframe();
}

void CallMedia::show_text(const std::string& text) {
    video_.set_text(text);
}

void CallMedia::play_prompts(const std::vector<std::string>& wav_files) {
    audio_.play_prompts(wav_files);
}

std::optional<PassthroughVideo> CallMedia::passthrough_video() const {
    if (!pipeline_ || !video_active_ || mode_ != Mode::Bridge) return std::nullopt;
    return video_.passthrough();
}

void CallMedia::send_content(bool on) {
    content_sending_ = on;
    if (pipeline_ && content_active_ && mode_ == Mode::Bridge) content_.set_sending(on);
}

std::optional<PassthroughVideo> CallMedia::passthrough_content() const {
    if (!pipeline_ || !content_active_ || mode_ != Mode::Bridge) return std::nullopt;
    return content_.passthrough();
}

bool CallMedia::passthrough_audio() const {
    if (!pipeline_ || !audio_active_ || mode_ != Mode::Bridge) return false;
    return audio_.audio_passthrough();
}

CallMedia::Stats CallMedia::stats() const {
    Stats s;
    if (audio_active_) s.audio = audio_.stats(rtpbin_);
    if (video_active_) s.video = video_.stats(rtpbin_);
    if (content_active_) s.content = content_.stats(rtpbin_);
    if (relays_) {
        if (s.audio) s.audio->relay = relays_->relay_of(sip::MediaKind::Audio);
        if (s.video) s.video->relay = relays_->relay_of(sip::MediaKind::Video);
        if (s.content) s.content->relay = relays_->content_relay();
    }
    return s;
}

void CallMedia::check_media_timeout() {
    if (!pipeline_ || timed_out_) return;
    const int64_t now = now_ms();
    bool expecting = false;
    int64_t last = 0;
    for (const MediaStream* s : {&audio_, &video_}) {
        const bool active = s == &audio_ ? audio_active_ : video_active_;
        if (!active || !s->expects_media()) continue;
        expecting = true;
        last = std::max(last, s->last_rtp_ms());
    }
    if (!expecting) {
        timeout_since_ms_ = now;  // held: the clock starts again on resume
        return;
    }
    last = std::max(last, timeout_since_ms_);
    if (now - last < static_cast<int64_t>(config_.media_timeout_s) * 1000) return;
    timed_out_ = true;
    const std::string reason = fmt::format("no RTP for {} s", config_.media_timeout_s);
    spdlog::warn("{} media timeout: {}", log_prefix_, reason);
    if (events_->on_media_timeout) events_->on_media_timeout(reason);
}

GstBusSyncReply CallMedia::on_bus(GstBus*, GstMessage* msg, gpointer data) {
    auto* self = static_cast<CallMedia*>(data);
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
        GError* err = nullptr;
        gchar* debug = nullptr;
        gst_message_parse_error(msg, &err, &debug);
        std::string reason = fmt::format("{}: {}", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)),
                                         err ? err->message : "unknown error");
        spdlog::error("{} pipeline error {} ({})", self->log_prefix_, reason, debug ? debug : "");
        g_clear_error(&err);
        g_free(debug);
        self->post([reason](CallEvents& e) {
            if (e.on_error) e.on_error(reason);
        });
    } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_WARNING) {
        GError* err = nullptr;
        gst_message_parse_warning(msg, &err, nullptr);
        spdlog::warn("{} pipeline warning {}: {}", self->log_prefix_,
                     GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), err ? err->message : "");
        g_clear_error(&err);
    }
    // Nobody pops this bus: drop everything once seen. With GST_BUS_DROP the handler owns the
    // message; each one refs its source element, so not unreffing it leaks the whole pipeline.
    gst_message_unref(msg);
    return GST_BUS_DROP;
}

GstCaps* CallMedia::on_request_pt_map(GstElement*, guint session, guint pt, gpointer data) {
    auto* self = static_cast<CallMedia*>(data);
    return self->stream_of(session).caps_for_pt(pt);
}

void CallMedia::on_pad_added(GstElement*, GstPad* pad, gpointer data) {
    auto* self = static_cast<CallMedia*>(data);
    unsigned session = 0, ssrc = 0, pt = 0;
    gchar* name = gst_pad_get_name(pad);
    const int n = std::sscanf(name, "recv_rtp_src_%u_%u_%u", &session, &ssrc, &pt);
    g_free(name);
    if (n != 3) return;
    self->stream_of(session).on_recv_pad(GST_BIN(self->pipeline_.get()), pad, pt);
}

}  // namespace media
