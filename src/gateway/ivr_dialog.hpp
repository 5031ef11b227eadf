// The IVR conversation of a caller who dialled no room, as a pure state machine: digits in,
// prompts, screen text and decisions out. The session plays the prompts, draws the text and
// runs the timer; this class only decides.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace gateway {

struct IvrSettings {
    unsigned digits = 10;        // a number this long is submitted without waiting for '#'
    unsigned tries = 3;          // wrong numbers (or silences) before goodbye
    unsigned inactivity_s = 20;  // silence before it counts as a try
    // The keys of the service menu, asked before the room number; empty: no menu.
    std::string service_digits{};
};

enum class IvrPrompt {
    Welcome,
    Invalid,
    Goodbye,
    Joining,
    Unavailable,
    Timeout,
    ServiceMenu,
    ServiceInvalid
};

const char* ivr_prompt_id(IvrPrompt p);  // "welcome", ... (asset file names)

struct IvrStep {
    std::vector<IvrPrompt> play;        // in order, replacing whatever plays now
    std::string typed;                  // digits to show on the caller's screen
    std::optional<std::string> submit;  // look this number up and join
    std::optional<char> service;        // the caller chose the service of this menu key
    bool hangup = false;                // after the prompts: BYE
    bool arm_timer = false;             // (re)start the inactivity timer
};

class IvrDialog {
public:
    explicit IvrDialog(IvrSettings settings);

    IvrStep start();
    IvrStep on_digit(char digit);
    IvrStep on_timeout();
    // The number did not lead to a room: unknown (Invalid) or the lookup failed (Unavailable).
    IvrStep on_rejected(bool lookup_unavailable);

    [[nodiscard]] const std::string& typed() const { return typed_; }
    [[nodiscard]] unsigned tries_left() const { return tries_left_; }
    [[nodiscard]] bool waiting_for_lookup() const { return waiting_; }
    [[nodiscard]] bool finished() const { return finished_; }
    // True while the caller is asked for the service (the screen shows the menu).
    [[nodiscard]] bool choosing_service() const { return choosing_service_; }

private:
    IvrStep submit();
    IvrStep fail(IvrPrompt why);
    IvrStep on_service_digit(char digit);
    // What to ask again after a failure or '#' alone: the menu or the room number.
    [[nodiscard]] IvrPrompt question() const {
        return choosing_service_ ? IvrPrompt::ServiceMenu : IvrPrompt::Welcome;
    }

    IvrSettings settings_;
    std::string typed_;
    unsigned tries_left_;
    bool waiting_ = false;
    bool finished_ = false;
    bool choosing_service_ = false;
};

}  // namespace gateway
