// The life of a gateway call as named states (STYLE.md: one place changes state and logs why).
#pragma once

#include <string>
#include <vector>

namespace gateway {

enum class SessionState { Answering, Ivr, Joining, InCall, Ending };

const char* state_name(SessionState s);
bool transition_allowed(SessionState from, SessionState to);

class SessionStateMachine {
public:
    explicit SessionStateMachine(std::string session_id) : id_(std::move(session_id)) {}

    [[nodiscard]] SessionState state() const { return state_; }
    // Logs "gateway: sess=<id> state <from> -> <to> cause=<cause>"; false (and a warning) when
    // the transition is not allowed, leaving the state as it was.
    bool change(SessionState to, const std::string& cause);

private:
    std::string id_;
    SessionState state_ = SessionState::Answering;
};

}  // namespace gateway
