// The call's meeting side: starting its MeetingLink and routing the link's outcome to the
// call's state, prompts and SIP dialog.
#include "core/log.hpp"
#include "gateway/call_session.hpp"

namespace gateway {

// The call's side of MeetingPrompts. The hooks live in prompts_, never longer than this call;
// they may run inside a MeetingLink callback, so what ends or destroys the link goes through
// the loop.
MeetingPromptHooks CallSession::meeting_prompt_hooks() {
    MeetingPromptHooks hooks;
    hooks.hold = [this](bool held) {
        if (!media_ || !media_started_ || !call_) return false;
        const auto mode = held ? media::Mode::Ivr : media::Mode::Bridge;
        if (media_->mode() == mode) return true;
        spdlog::info("gateway: sess={} media {} the meeting", id_,
                     held ? "holds the caller outside" : "rejoins");
        auto st = media_->start(call_->media(), mode);
        if (st) return true;
        spdlog::warn("gateway: sess={} media switch failed: {}", id_, st.error().message);
        // Without our picture the caller still gets the meeting's media rather than none.
        if (held) (void)media_->start(call_->media(), media::Mode::Bridge);
        return false;
    };
    hooks.show = [this](const std::string& text) {
        if (media_) media_->show_text(text);
    };
    hooks.play = [this](const std::vector<std::string>& files) {
        if (media_) media_->play_prompts(files);
    };
    hooks.submit_password = [this](const std::string& password) {
        if (meeting_) meeting_->submit_password(password);
    };
    hooks.release_meeting = [this] { post([this] { meeting_.reset(); }); };
    hooks.hangup = [this](const std::string& cause) { post([this, cause] { hangup(cause); }); };
    return hooks;
}

// The link lives in meeting_, never longer than this call.
MeetingLinkEvents CallSession::meeting_events() {
    MeetingLinkEvents events;
    events.on_joined = [this] {
        if (prompts_) prompts_->joined();
        if (state_.state() == SessionState::Joining)
            state_.change(SessionState::InCall, "joined " + room_.name);
    };
    events.on_ended = [this](MeetingEnd end, const std::string& cause) {
        spdlog::info("gateway: sess={} meeting ended the call: {} ({})", id_, cause,
                     meeting_end_name(end));
        // From the loop: the page or browser that reported it is still on the stack.
        post([this, end, cause] {
            if (state_.state() == SessionState::Ending) return;
            if (prompts_)
                prompts_->ended(end, cause);
            else
                hangup(cause);
        });
    };
    events.on_waiting = [this](const std::string& reason) {
        if (prompts_) prompts_->waiting(reason);
    };
    events.on_password_required = [this](bool retry) {
        if (prompts_) prompts_->password_required(retry);
    };
    events.on_reconnecting = [this](const std::string& reason) {
        if (prompts_) prompts_->reconnecting(reason);
    };
    events.on_share = [this](bool active, const std::string& id, const std::string& name) {
        on_share(active, id, name);
    };
    if (service().alone_timeout_s > 0)
        events.on_participants = [this](size_t others) { on_participants(others); };
    events.passthrough = [this]() -> std::optional<media::PassthroughVideo> {
        if (!media_) return std::nullopt;
        // Only the bridge knows what it forwards: a caller held on our picture goes back to it.
        if (prompts_) prompts_->link_rebuilt();
        return media_->passthrough_video();
    };
    events.content = [this] { return media_ && media_->content_active(); };
    events.content_passthrough = [this]() -> std::optional<media::PassthroughVideo> {
        return media_ ? media_->passthrough_content() : std::nullopt;
    };
    events.audio_passthrough = [this] {
        if (!media_) return false;
        if (prompts_) prompts_->link_rebuilt();
        return media_->passthrough_audio();
    };
    return events;
}

void CallSession::join_meeting() {
    // A caller coming from the IVR still has its IVR picture and prompts: switch to the bridge
    // (same sockets, new pipeline).
    const bool from_ivr = media_ && media_started_ && media_->mode() == media::Mode::Ivr;
    if (media_ && media_started_ && call_ && media_->mode() != media::Mode::Bridge) {
        if (!media_ok(media_->start(call_->media(), media::Mode::Bridge), "bridge start failed"))
            return;
    }
    const auto& config = context_.config;
    prompts_ = std::make_unique<MeetingPrompts>(
        id_,
        MeetingPromptSettings{.language = config.ivr.language, .password_tries = config.ivr.tries},
        meeting_prompt_hooks());
    meeting_ = std::make_unique<MeetingLink>(id_, adapter(),
                                             services::JoinRequest{room_.name, display_name_, {}},
                                             context_.pool, context_.loop, meeting_events());
    meeting_->set_meeting_video(config.browser.meeting_video);
    meeting_->set_meeting_layout(config.browser.meeting_layout);
    meeting_->set_forward_encoded_video(config.browser.forward_encoded_video);
    meeting_->set_forward_encoded_meeting_video(config.browser.forward_encoded_meeting_video);
    // The IVR has just said "joining the conference": the slate only shows it then.
    meeting_->set_joining_slate(
        {joining_slate_text(config.ivr.language),
         from_ivr ? std::string() : ivr_prompt_file(IvrPrompt::Joining, config.ivr.language)});
    const core::ServiceConfig& s = service();
    meeting_->set_join_settings(
        {s.join_timeout_s, s.wait_timeout_s, s.password, config.ivr.language});
    meeting_->start();
}

const services::Adapter& CallSession::adapter() const {
    // Every configured service has its adapter (Gateway::create made them all).
    return *context_.adapters.find(service().name)->second;
}

void CallSession::meeting_action(services::Action action,
                                 std::function<void(core::Result<std::string>)> done) {
    if (!meeting_) {
        done(core::fail("no meeting for session " + id_));
        return;
    }
    meeting_->action(action, std::move(done));
}

}  // namespace gateway
