// The gateway's meeting side: starting a session's MeetingLink and routing its outcome to the
// session's state and SIP dialog.
#include "gateway/gateway.hpp"

#include "core/log.hpp"

namespace gateway {

namespace {

using SessionFinder = std::function<Session*(const std::string& id)>;
using SessionHangup = std::function<void(const std::string& id, const std::string& cause)>;

// The call's side of MeetingPrompts. The hooks may run inside a MeetingLink callback, so what
// ends or destroys the link goes through the loop, and finds the session again there.
MeetingPromptHooks meeting_prompt_hooks(Session& s, core::ControlLoop& loop,
                                        const SessionFinder& find, const SessionHangup& hangup) {
    Session* session = &s;  // the hooks live in session->prompts, never longer than the session
    const std::string id = s.id;
    MeetingPromptHooks hooks;
    hooks.hold = [session](bool held) {
        if (!session->media || !session->media_started || !session->call) return false;
        const auto mode = held ? media::Mode::Ivr : media::Mode::Bridge;
        if (session->media->mode() == mode) return true;
        spdlog::info("gateway: sess={} media {} the meeting", session->id,
                     held ? "holds the caller outside" : "rejoins");
        auto st = session->media->start(session->call->media(), mode);
        if (st) return true;
        spdlog::warn("gateway: sess={} media switch failed: {}", session->id, st.error().message);
        // Without our picture the caller still gets the meeting's media rather than none.
        if (held) (void)session->media->start(session->call->media(), media::Mode::Bridge);
        return false;
    };
    hooks.show = [session](const std::string& text) {
        if (session->media) session->media->show_text(text);
    };
    hooks.play = [session](const std::vector<std::string>& files) {
        if (session->media) session->media->play_prompts(files);
    };
    hooks.submit_password = [session](const std::string& password) {
        if (session->meeting) session->meeting->submit_password(password);
    };
    hooks.release_meeting = [&loop, find, id] {
        loop.post([find, id] {
            Session* x = find(id);
            if (x != nullptr) x->meeting.reset();
        });
    };
    hooks.hangup = [&loop, hangup, id](const std::string& cause) {
        loop.post([hangup, id, cause] { hangup(id, cause); });
    };
    return hooks;
}

}  // namespace

void Gateway::join_meeting(Session& s) {
    const std::string id = s.id;
    // A caller coming from the IVR still has its IVR picture and prompts: switch to the bridge
    // (same sockets, new pipeline).
    if (s.media && s.media_started && s.call && s.media->mode() != media::Mode::Bridge) {
        if (auto st = s.media->start(s.call->media(), media::Mode::Bridge); !st)
            spdlog::warn("gateway: sess={} bridge start failed: {}", id, st.error().message);
    }
    s.prompts = std::make_unique<MeetingPrompts>(
        id,
        MeetingPromptSettings{.language = config_.ivr.language,
                              .password_tries = config_.ivr.tries},
        meeting_prompt_hooks(
            s, loop_, [this](const std::string& sid) { return find(sid); },
            [this](const std::string& sid, const std::string& cause) {
                (void)hangup(sid, cause);
            }));
    MeetingLinkEvents events;
    events.on_joined = [this, id] {
        Session* session = find(id);
        if (session == nullptr) return;
        if (session->prompts) session->prompts->joined();
        if (session->state.state() == SessionState::Joining)
            session->state.change(SessionState::InCall, "joined " + session->room.name);
    };
    events.on_ended = [this, id](MeetingEnd end, const std::string& cause) {
        spdlog::info("gateway: sess={} meeting ended the call: {} ({})", id, cause,
                     meeting_end_name(end));
        // From the loop: the page or browser that reported it is still on the stack.
        loop_.post([this, id, end, cause] {
            Session* session = find(id);
            if (session == nullptr || session->state.state() == SessionState::Ending) return;
            if (session->prompts)
                session->prompts->ended(end, cause);
            else
                (void)hangup(id, cause);
        });
    };
    events.on_waiting = [this, id](const std::string& reason) {
        Session* session = find(id);
        if (session != nullptr && session->prompts) session->prompts->waiting(reason);
    };
    events.on_password_required = [this, id](bool retry) {
        Session* session = find(id);
        if (session != nullptr && session->prompts) session->prompts->password_required(retry);
    };
    events.on_reconnecting = [this, id](const std::string& reason) {
        Session* session = find(id);
        if (session != nullptr && session->prompts) session->prompts->reconnecting(reason);
    };
    if (service_of(s).alone_timeout_s > 0)
        events.on_participants = [this, id](size_t others) { on_participants(id, others); };
    events.passthrough = [this, id]() -> std::optional<media::PassthroughVideo> {
        Session* session = find(id);
        if (session == nullptr || !session->media) return std::nullopt;
        // Only the bridge knows what it forwards: a caller held on our picture goes back to it.
        if (session->prompts) session->prompts->link_rebuilt();
        return session->media->passthrough_video();
    };
    events.audio_passthrough = [this, id] {
        Session* session = find(id);
        if (session == nullptr || !session->media) return false;
        if (session->prompts) session->prompts->link_rebuilt();
        return session->media->passthrough_audio();
    };
    s.meeting = std::make_unique<MeetingLink>(
        id, adapter_of(s), services::JoinRequest{s.room.name, s.display_name, {}}, *pool_, loop_,
        std::move(events));
    s.meeting->set_meeting_video(config_.browser.meeting_video);
    s.meeting->set_forward_encoded_video(config_.browser.forward_encoded_video);
    const core::ServiceConfig& service = service_of(s);
    s.meeting->set_join_settings(
        {service.join_timeout_s, service.wait_timeout_s, service.password, config_.ivr.language});
    s.meeting->start();
}

const services::Adapter& Gateway::adapter_of(const Session& s) const {
    // Every configured service has its adapter (create() made them all).
    return *adapters_.find(service_of(s).name)->second;
}

void Gateway::meeting_action(const std::string& id, services::Action action,
                             std::function<void(core::Result<std::string>)> done) {
    Session* s = find(id);
    if (s == nullptr || !s->meeting) {
        done(core::fail("no meeting for session " + id));
        return;
    }
    s->meeting->action(action, std::move(done));
}

Gateway::BrowserPoolView Gateway::browser_pool() const {
    if (!pool_) return {};
    return {pool_->ready_count(), pool_->starting_count()};
}

std::vector<pid_t> Gateway::browser_pids() const {
    std::vector<pid_t> pids = pool_ ? pool_->pids() : std::vector<pid_t>{};
    for (const auto& [id, s] : sessions_) {
        if (s->meeting && s->meeting->browser_pid() != 0) pids.push_back(s->meeting->browser_pid());
    }
    return pids;
}

}  // namespace gateway
