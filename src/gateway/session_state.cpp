#include "gateway/session_state.hpp"

#include "core/log.hpp"

namespace gateway {

const char* state_name(SessionState s) {
    switch (s) {
        case SessionState::Answering:
            return "answering";
        case SessionState::Ivr:
            return "ivr";
        case SessionState::Joining:
            return "joining";
        case SessionState::InCall:
            return "in_call";
        case SessionState::Ending:
            return "ending";
    }
    return "?";
}

bool transition_allowed(SessionState from, SessionState to) {
    using S = SessionState;
    if (to == S::Ending) return from != S::Ending;  // anything may end, once
    switch (from) {
        case S::Answering:
            return to == S::Ivr || to == S::Joining || to == S::InCall;
        case S::Ivr:
            return to == S::Joining;
        case S::Joining:
            return to == S::InCall || to == S::Ivr;  // Ivr: room not found, retry
        case S::InCall:                              // only to Ending (above)
        case S::Ending:
            return false;
    }
    return false;
}

bool SessionStateMachine::change(SessionState to, const std::string& cause) {
    if (!transition_allowed(state_, to)) {
        spdlog::warn("gateway: sess={} refused state {} -> {} cause={}", id_, state_name(state_),
                     state_name(to), cause);
        return false;
    }
    spdlog::info("gateway: sess={} state {} -> {} cause={}", id_, state_name(state_),
                 state_name(to), cause);
    state_ = to;
    return true;
}

}  // namespace gateway
