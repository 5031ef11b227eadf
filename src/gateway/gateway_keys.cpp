// What the caller's keys do: the IVR while no room is known, the in-call actions after, and the
// handover to the meeting-join flow.
#include "core/log.hpp"
#include "gateway/gateway.hpp"
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

void Gateway::start_ivr(Session& s) {
    const std::string id = s.id;
    IvrHooks hooks;
    hooks.show = [this, id](const std::string& text) {
        Session* found = find(id);
        if (found != nullptr && found->media) found->media->show_text(text);
    };
    hooks.play = [this, id](const std::vector<std::string>& files) {
        Session* found = find(id);
        if (found != nullptr && found->media) found->media->play_prompts(files);
    };
    hooks.join = [this, id](const std::string& room) {
        Session* found = find(id);
        if (found == nullptr) return false;
        auto parsed = parse_room(room);
        if (!parsed || parsed->kind != RoomKind::Named) return false;
        enter_meeting(*found, parsed->name, "ivr");
        return true;
    };
    hooks.hangup = [this, id](const std::string& cause) { (void)hangup(id, cause); };
    hooks.choose_service = [this, id](char digit) {
        Session* found = find(id);
        const core::ServiceConfig* service = routes_.by_digit(digit);
        if (found == nullptr || service == nullptr) return;
        found->room.service = service->name;
        spdlog::info("gateway: sess={} ivr service=\"{}\" key={}", id, service->name, digit);
    };
    // A call whose URI already chose the service (prefix, domain, launcher) is not asked.
    std::vector<ServiceMenuEntry> menu;
    if (s.room.service.empty()) menu = routes_.ivr_menu();
    s.ivr = std::make_unique<IvrSession>(id, config_.ivr, std::move(hooks), std::move(menu),
                                         service_of(s).name);
    s.ivr->start();
}

void Gateway::enter_meeting(Session& s, const std::string& room, const std::string& cause) {
    const std::string chosen = s.room.service;
    s.room = Room{RoomKind::Named, room, chosen.empty() ? routes_.default_service().name : chosen};
    s.caller.room = room;
    if (!s.caller.user.empty() || !s.caller.display_name.empty())
        s.display_name = services::display_name_for(s.caller, service_of(s).display_name);
    if (s.ivr) {
        // The IVR may be the caller (its join hook): release it once that call has returned.
        loop_.post([held = std::shared_ptr<IvrSession>(std::move(s.ivr))] {});
    }
    s.state.change(SessionState::Joining, fmt::format("room={} via={}", room, cause));
    spdlog::info("gateway: sess={} join room=\"{}\" service={} kind={}", s.id, room, s.room.service,
                 service_of(s).adapter_kind());
    // Switch the media to the bridge only once the IVR (posted above) is gone: the IVR's
    // prompts and picture belong to the pipeline the switch replaces.
    loop_.post([this, id = s.id] {
        Session* x = find(id);
        if (x != nullptr && x->state.state() == SessionState::Joining) join_meeting(*x);
    });
}

void Gateway::on_dtmf(const std::string& id, char digit, const char* source) {
    Session* s = find(id);
    if (s == nullptr) return;
    spdlog::info("gateway: sess={} dtmf key={} source={}", id, digit, source);
    if (s->ivr) {
        s->ivr->on_digit(digit);
        return;
    }
    // A password being typed is not a string of in-call actions.
    if (s->prompts && s->prompts->takes_digits()) {
        s->prompts->on_digit(digit);
        return;
    }
    const auto state = s->state.state();
    if (state != SessionState::Joining && state != SessionState::InCall) return;
    if (auto key = in_call_key_for(config_.dtmf, digit))
        (void)in_call_action(id, in_call_key_name(*key));
}

core::Status Gateway::inject_dtmf(const std::string& id, char digit) {
    if (find(id) == nullptr) return core::fail("no gateway " + id, 404);
    on_dtmf(id, digit, "api");
    return core::Ok{};
}

core::Status Gateway::in_call_action(const std::string& id, const std::string& action) {
    Session* s = find(id);
    if (s == nullptr) return core::fail("no gateway " + id, 404);
    if (action == "leave") {
        spdlog::info("gateway: sess={} action=leave", id);
        return hangup(id, "caller left with the leave key");
    }
    if (action == "menu") {
        std::string text;
        for (const auto& line : in_call_menu_lines(config_.dtmf, config_.ivr.language)) {
            spdlog::info("gateway: sess={} menu \"{}\"", id, line);
            text += (text.empty() ? "" : "\n") + line;
        }
        show_notice(*s, text, kMenuMs);
        return core::Ok{};
    }
    if (action != "mute" && action != "camera" && action != "hand" && action != "tile")
        return core::fail("unknown action '" + action + "'", 400);
    if (s->room.kind != RoomKind::Named)
        return core::fail("action '" + action + "' needs a meeting, this call has none", 409);
    spdlog::info("gateway: sess={} action={} room=\"{}\"", id, action, s->room.name);
    if (auto a = services::action_from_name(action)) {
        meeting_action(id, *a, [id, action](const core::Result<std::string>& r) {
            if (!r)
                spdlog::warn("gateway: sess={} action={} failed: {}", id, action,
                             r.error().message);
        });
    }
    show_notice(*s, action_notice(action, config_.ivr.language), kNoticeMs);
    return core::Ok{};
}

void Gateway::show_notice(Session& s, const std::string& text, uint64_t ms) {
    if (!s.media) return;
    s.media->show_text(text);
    const std::string id = s.id;
    s.notice_timer.start(ms, [this, id] {
        Session* found = find(id);
        if (found != nullptr && found->media)
            found->media->show_text(found->prompts ? found->prompts->screen_text() : "");
    });
}

void Gateway::on_participants(const std::string& id, size_t others) {
    Session* s = find(id);
    if (s == nullptr || service_of(*s).alone_timeout_s == 0) return;
    if (others > 0) {
        s->alone_timer.cancel();
        return;
    }
    if (s->alone_timer.active()) return;
    s->alone_timer.start(uint64_t{service_of(*s).alone_timeout_s} * 1000,
                         [this, id] { (void)hangup(id, "alone in the meeting"); });
}

void Gateway::on_meeting_left(const std::string& id, const std::string& cause) {
    (void)hangup(id, "meeting: " + cause);
}

}  // namespace gateway
