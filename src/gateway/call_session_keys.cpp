// What the caller's keys do: the IVR while no room is known, the in-call actions after, and the
// handover to the meeting-join flow.
#include "core/log.hpp"
#include "core/text.hpp"
#include "gateway/call_session.hpp"
#include "gateway/in_call_keys.hpp"

#include <fmt/format.h>

namespace gateway {

namespace {

constexpr uint64_t kNoticeMs = 3000;  // an action's confirmation
constexpr uint64_t kMenuMs = 8000;    // long enough to read the key list

// The caller does not know the meeting's state, so the confirmation names the action.
std::string action_notice(const std::string& action, const std::string& lang) {
    const bool fr = lang == "fr";
    if (action == "mute") return fr ? "micro : on/off" : "microphone on/off";
    if (action == "camera") return fr ? "caméra : on/off" : "camera on/off";
    if (action == "hand") return fr ? "main levée/baissée" : "hand raised/lowered";
    if (action == "tile") return fr ? "vue mosaïque" : "tile view";
    return action;
}

}  // namespace

void CallSession::start_ivr() {
    // The hooks live in ivr_, never longer than this call.
    IvrHooks hooks;
    hooks.show = [this](const std::string& text) {
        if (media_) media_->show_text(text);
    };
    hooks.play = [this](const std::vector<std::string>& files) {
        if (media_) media_->play_prompts(files);
    };
    hooks.join = [this](const std::string& room) {
        auto parsed = parse_room(room);
        if (!parsed || parsed->kind != RoomKind::Named) return false;
        enter_meeting(parsed->name, "ivr");
        return true;
    };
    hooks.hangup = [this](const std::string& cause) { hangup(cause); };
    hooks.choose_service = [this](char digit) {
        const core::ServiceConfig* chosen = context_.routes.by_digit(digit);
        if (chosen == nullptr) return;
        room_.service = chosen->name;
        spdlog::info("gateway: sess={} ivr service=\"{}\" key={}", id_, chosen->name, digit);
    };
    // A call whose URI already chose the service (prefix, domain, launcher) is not asked.
    std::vector<ServiceMenuEntry> menu;
    if (room_.service.empty()) menu = context_.routes.ivr_menu();
    ivr_ = std::make_unique<IvrSession>(id_, context_.config.ivr, std::move(hooks), std::move(menu),
                                        service().name);
    ivr_->start();
}

void CallSession::enter_meeting(const std::string& room, const std::string& cause) {
    const std::string chosen = room_.service;
    room_ = Room{RoomKind::Named, room,
                 chosen.empty() ? context_.routes.default_service().name : chosen};
    caller_.room = room;
    if (!caller_.user.empty() || !caller_.display_name.empty())
        display_name_ = services::display_name_for(caller_, service().display_name);
    if (ivr_) {
        // The IVR may be the caller (its join hook): release it once that call has returned.
        context_.loop.post([held = std::shared_ptr<IvrSession>(std::move(ivr_))] {});
    }
    state_.change(SessionState::Joining, fmt::format("room={} via={}", room, cause));
    spdlog::info("gateway: sess={} join room=\"{}\" service={} kind={}", id_, room, room_.service,
                 service().adapter_kind());
    // Switch the media to the bridge only once the IVR (posted above) is gone: the IVR's
    // prompts and picture belong to the pipeline the switch replaces.
    post([this] {
        if (state_.state() == SessionState::Joining) join_meeting();
    });
}

void CallSession::on_dtmf(char digit, const char* source) {
    spdlog::info("gateway: sess={} dtmf key={} source={}", id_, digit, source);
    if (ivr_) {
        ivr_->on_digit(digit);
        return;
    }
    // A password being typed is not a string of in-call actions.
    if (prompts_ && prompts_->takes_digits()) {
        prompts_->on_digit(digit);
        return;
    }
    const auto state = state_.state();
    if (state != SessionState::Joining && state != SessionState::InCall) return;
    if (auto key = in_call_key_for(context_.config.dtmf, digit))
        (void)in_call_action(in_call_key_name(*key));
}

core::Status CallSession::in_call_action(const std::string& action) {
    if (action == "leave") {
        spdlog::info("gateway: sess={} action=leave", id_);
        hangup("caller left with the leave key");
        return core::Ok{};
    }
    const auto& config = context_.config;
    if (action == "menu") {
        std::string text;
        for (const auto& line : in_call_menu_lines(config.dtmf, config.ivr.language)) {
            spdlog::info("gateway: sess={} menu \"{}\"", id_, line);
            text += (text.empty() ? "" : "\n") + line;
        }
        show_notice(text, kMenuMs);
        return core::Ok{};
    }
    if (action == "layout") return cycle_layout();
    if (action != "mute" && action != "camera" && action != "hand" && action != "tile")
        return core::fail("unknown action '" + action + "'", 400);
    if (room_.kind != RoomKind::Named)
        return core::fail("action '" + action + "' needs a meeting, this call has none", 409);
    spdlog::info("gateway: sess={} action={} room=\"{}\"", id_, action, room_.name);
    if (auto a = services::action_from_name(action)) {
        meeting_action(*a, [id = id_, action](const core::Result<std::string>& r) {
            if (!r)
                spdlog::warn("gateway: sess={} action={} failed: {}", id, action,
                             r.error().message);
        });
    }
    show_notice(action_notice(action, config.ivr.language), kNoticeMs);
    return core::Ok{};
}

core::Status CallSession::cycle_layout() {
    if (!meeting_) return core::fail("action 'layout' needs a meeting, this call has none", 409);
    meeting_->layout(
        "next", [this, alive = std::weak_ptr<bool>(alive_)](const core::Result<std::string>& r) {
            if (alive.expired()) return;
            if (!r) {
                spdlog::warn("gateway: sess={} action=layout failed: {}", id_, r.error().message);
                return;
            }
            spdlog::info("gateway: sess={} action=layout layout={}", id_, *r);
            const bool fr = context_.config.ivr.language == "fr";
            show_notice(*r == "grid" ? (fr ? "vue mosaïque" : "grid view")
                                     : (fr ? "vue orateur" : "speaker view"),
                        kNoticeMs);
        });
    return core::Ok{};
}

void CallSession::on_share(bool active, const std::string& id, const std::string& name) {
    const std::string who = name.empty() ? id : name;
    if (active) {
        // A share replacing another is one change for the caller: the newest is shown.
        share_ = who;
        spdlog::info("gateway: sess={} share started id={} name=\"{}\"", id_, core::log_field(id),
                     core::log_field(name));
    } else if (share_) {
        share_.reset();
        spdlog::info("gateway: sess={} share ended id={} name=\"{}\"", id_, core::log_field(id),
                     core::log_field(name));
    }
    on_share_content(active);
}

void CallSession::show_notice(const std::string& text, uint64_t ms) {
    if (!media_) return;
    media_->show_text(text);
    notice_timer_.start(ms, [this] {
        if (media_) media_->show_text(prompts_ ? prompts_->screen_text() : "");
    });
}

void CallSession::on_participants(size_t others) {
    const uint32_t alone_s = service().alone_timeout_s;
    if (alone_s == 0) return;
    if (others > 0) {
        alone_timer_.cancel();
        return;
    }
    if (alone_timer_.active()) return;
    alone_timer_.start(uint64_t{alone_s} * 1000, [this] { hangup("alone in the meeting"); });
}

}  // namespace gateway
