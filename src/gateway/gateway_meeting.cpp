// The gateway's meeting side: starting a session's MeetingLink and routing its outcome to the
// session's state and SIP dialog.
#include "gateway/gateway.hpp"

#include "core/log.hpp"

namespace gateway {

void Gateway::join_meeting(Session& s) {
    const std::string id = s.id;
    // A caller coming from the IVR still has its IVR picture and prompts: switch to the bridge
    // (same sockets, new pipeline).
    if (s.media && s.media_started && s.call && s.media->mode() != media::Mode::Bridge) {
        if (auto st = s.media->start(s.call->media(), media::Mode::Bridge); !st)
            spdlog::warn("gateway: sess={} bridge start failed: {}", id, st.error().message);
    }
    MeetingLinkEvents events;
    events.on_joined = [this, id] {
        Session* session = find(id);
        if (session == nullptr) return;
        if (session->state.state() == SessionState::Joining)
            session->state.change(SessionState::InCall, "joined " + session->room.name);
    };
    events.on_ended = [this, id](MeetingEnd /*end*/, const std::string& cause) {
        spdlog::info("gateway: sess={} meeting ended the call: {}", id, cause);
        // From the loop: the page or browser that reported it is still on the stack.
        loop_.post([this, id, cause] { (void)hangup(id, cause); });
    };
    if (config_.service.alone_timeout_s > 0)
        events.on_participants = [this, id](size_t others) { on_participants(id, others); };
    events.passthrough = [this, id]() -> std::optional<media::PassthroughVideo> {
        Session* session = find(id);
        if (session == nullptr || !session->media) return std::nullopt;
        return session->media->passthrough_video();
    };
    events.audio_passthrough = [this, id] {
        Session* session = find(id);
        return session != nullptr && session->media && session->media->passthrough_audio();
    };
    s.meeting = std::make_unique<MeetingLink>(
        id, *adapter_, services::JoinRequest{s.room.name, s.display_name, {}}, *pool_, loop_,
        std::move(events));
    s.meeting->set_meeting_video(config_.browser.meeting_video);
    s.meeting->set_join_settings({config_.service.join_timeout_s, config_.service.wait_timeout_s,
                                  config_.service.password, config_.ivr.language});
    s.meeting->start();
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
