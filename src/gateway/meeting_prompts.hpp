// What the caller of a meeting call sees and hears while the meeting holds or refuses the join:
// the waiting picture and prompt (lobby, waiting for a moderator), the room password typed by
// DTMF, and the spoken cause before the gateway hangs up. The session owns one; the gateway feeds
// it the MeetingLink's events and, while a password is being typed, the caller's digits.
#pragma once

#include "core/control_loop.hpp"
#include "gateway/meeting_link.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace gateway {

enum class MeetingPrompt {
    WaitingLobby,      // lobby, guest approval
    WaitingModerator,  // the meeting starts with its moderator
    WaitingStart,      // the meeting is not running yet
    Password,
    PasswordWrong,
    EndJoinFailed,
    EndJoinTimeout,
    EndNotAdmitted,
    EndKicked,
    EndMeeting,
    EndLost,
};

// Asset id ("waiting_lobby", ...): build/assets/ivr/<id>_<lang>.wav, from assets/ivr/prompts.tsv.
const char* meeting_prompt_id(MeetingPrompt p);
std::string meeting_prompt_file(MeetingPrompt p, const std::string& lang);
// The picture's text for a prompt, in "en" or "fr".
std::string meeting_prompt_text(MeetingPrompt p, const std::string& lang);
// The adapter's waiting reason ("lobby", "moderator", "meeting_not_started", "guest_approval";
// anything else counts as a lobby).
// The text of the "joining" slate the page shows while the call joins ("Joining the meeting").
std::string joining_slate_text(const std::string& lang);
MeetingPrompt waiting_prompt(const std::string& reason);
MeetingPrompt end_prompt(MeetingEnd end);

// The digits of a room password as the caller types them: '*' erases the last one, '#' sends.
class PasswordEntry {
public:
    static constexpr size_t kMaxDigits = 32;
    enum class Outcome { Typed, Submit, Empty };  // Empty: '#' with nothing typed

    Outcome on_digit(char digit);
    void clear() { typed_.clear(); }
    [[nodiscard]] const std::string& typed() const { return typed_; }
    // What the picture shows: one mark per digit, never the digits.
    [[nodiscard]] std::string masked() const { return std::string(typed_.size(), '*'); }

private:
    std::string typed_;
};

struct MeetingPromptHooks {
    // true: the call's media shows the generated picture and plays prompts (media IVR mode);
    // false: back to the meeting's media. Returns false when the call has no media to do it on.
    std::function<bool(bool held)> hold;
    std::function<void(const std::string& text)> show;
    // Prompt WAV files, replacing what plays now (empty: silence).
    std::function<void(const std::vector<std::string>& wav_files)> play;
    std::function<void(const std::string& password)> submit_password;
    // The meeting side is over: free its browser now, while the caller hears why.
    std::function<void()> release_meeting;
    std::function<void(const std::string& cause)> hangup;  // BYE
};

struct MeetingPromptSettings {
    std::string language = "en";
    unsigned password_tries = 3;     // refused passwords before goodbye
    uint64_t repeat_ms = 30000;      // the waiting prompt again
    uint64_t goodbye_max_ms = 8000;  // BYE at the latest this long after the cause starts
};

class MeetingPrompts {
public:
    MeetingPrompts(std::string session_id, MeetingPromptSettings settings,
                   MeetingPromptHooks hooks);
    MeetingPrompts(const MeetingPrompts&) = delete;
    MeetingPrompts& operator=(const MeetingPrompts&) = delete;

    void waiting(const std::string& reason);
    void password_required(bool retry);
    void reconnecting(const std::string& reason);
    void joined();
    // The link is building a new page (a rejoin): the media goes back to the bridge.
    void link_rebuilt();
    // Tells the caller why, then hangs up (bounded by goodbye_max_ms).
    void ended(MeetingEnd end, const std::string& cause);

    // While a password is being typed the caller's digits belong here, not to the in-call keys.
    // Also while the service checks a password sent with '#': those keys are dropped.
    [[nodiscard]] bool takes_digits() const { return collecting_ || checking_; }
    void on_digit(char digit);
    // For the API: "waiting:<reason>", "password", "ending:<cause>" or empty (in the meeting).
    [[nodiscard]] const std::string& status() const { return status_; }
    // The text the caller's picture shows while held (empty otherwise): a short notice drawn
    // over it (an in-call key's confirmation) gives way to this again.
    [[nodiscard]] std::string screen_text() const { return held_ ? text_ : std::string(); }

private:
    bool hold();
    void show(const std::string& text);
    void release();  // back to the meeting's media
    // Shows text, plays the prompts (then "goodbye"); returns how long they play.
    uint64_t say(const std::vector<MeetingPrompt>& prompts, const std::string& text,
                 bool goodbye = false);
    void repeat_after(uint64_t prompt_ms);
    // The password picture (heading: the first prompt); with prompts, also speaks them.
    void show_password(const std::vector<MeetingPrompt>& prompts);
    void finish(const std::vector<MeetingPrompt>& prompts, const std::string& cause,
                const std::string& end_name);

    std::string id_;
    MeetingPromptSettings settings_;
    MeetingPromptHooks hooks_;
    PasswordEntry password_;
    std::string status_;
    std::string text_;  // last shown
    MeetingPrompt waiting_ = MeetingPrompt::WaitingLobby;
    unsigned refused_ = 0;
    bool held_ = false;  // the media shows our picture, not the meeting
    bool collecting_ = false;
    bool checking_ = false;  // a password was sent, the service has not answered yet
    bool ending_ = false;
    core::Timer repeat_;   // the waiting (or password) prompt, every repeat_ms
    core::Timer goodbye_;  // BYE once the cause has been heard
};

}  // namespace gateway
