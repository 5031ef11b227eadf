#include "gateway/meeting_prompts.hpp"

#include "core/data_dir.hpp"
#include "core/log.hpp"
#include "gateway/ivr_session.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace gateway {

namespace {

struct PromptTexts {
    const char* en;
    const char* fr;
};

PromptTexts texts(MeetingPrompt p) {
    switch (p) {
        case MeetingPrompt::WaitingLobby:
            return {"Waiting room\nA moderator will let you in.",
                    "Salle d'attente\nUn modérateur va vous faire entrer."};
        case MeetingPrompt::WaitingModerator:
            return {"Waiting for the moderator\nThe meeting starts when a moderator joins.",
                    "En attente du modérateur\nLa réunion commence à son arrivée."};
        case MeetingPrompt::WaitingStart:
            return {"The meeting has not started yet\nPlease wait.",
                    "La réunion n'a pas encore commencé\nVeuillez patienter."};
        case MeetingPrompt::Password:
            return {"Meeting password\nType it, then #   (* erases)",
                    "Mot de passe de la réunion\nComposez-le, puis #   (* efface)"};
        case MeetingPrompt::PasswordWrong:
            return {"Wrong password\nType it again, then #   (* erases)",
                    "Mot de passe incorrect\nComposez-le à nouveau, puis #   (* efface)"};
        case MeetingPrompt::EndJoinFailed:
            return {"The meeting could not be joined", "Impossible de rejoindre la réunion"};
        case MeetingPrompt::EndJoinTimeout:
            return {"The meeting could not be joined in time",
                    "La réunion n'a pas pu être rejointe à temps"};
        case MeetingPrompt::EndNotAdmitted:
            return {"Nobody admitted you to the meeting",
                    "Personne ne vous a fait entrer dans la réunion"};
        case MeetingPrompt::EndKicked:
            return {"You were removed from the meeting", "Vous avez été retiré de la réunion"};
        case MeetingPrompt::EndMeeting:
            return {"The meeting has ended", "La réunion est terminée"};
        case MeetingPrompt::EndLost:
            return {"The connection to the meeting was lost",
                    "La connexion à la réunion a été perdue"};
    }
    return {"", ""};
}

}  // namespace

const char* meeting_prompt_id(MeetingPrompt p) {
    switch (p) {
        case MeetingPrompt::WaitingLobby:
            return "waiting_lobby";
        case MeetingPrompt::WaitingModerator:
            return "waiting_moderator";
        case MeetingPrompt::WaitingStart:
            return "waiting_start";
        case MeetingPrompt::Password:
            return "password";
        case MeetingPrompt::PasswordWrong:
            return "password_wrong";
        case MeetingPrompt::EndJoinFailed:
            return "end_join_failed";
        case MeetingPrompt::EndJoinTimeout:
            return "end_join_timeout";
        case MeetingPrompt::EndNotAdmitted:
            return "end_not_admitted";
        case MeetingPrompt::EndKicked:
            return "end_kicked";
        case MeetingPrompt::EndMeeting:
            return "end_meeting";
        case MeetingPrompt::EndLost:
            return "end_lost";
    }
    return "";
}

std::string meeting_prompt_file(MeetingPrompt p, const std::string& lang) {
    return core::data_file(
        fmt::format("ivr/{}_{}.wav", meeting_prompt_id(p), lang == "fr" ? "fr" : "en"));
}

std::string meeting_prompt_text(MeetingPrompt p, const std::string& lang) {
    const auto t = texts(p);
    return lang == "fr" ? t.fr : t.en;
}

std::string joining_slate_text(const std::string& lang) {
    return lang == "fr" ? "Connexion à la réunion\nVeuillez patienter"
                        : "Joining the meeting\nPlease wait";
}

MeetingPrompt waiting_prompt(const std::string& reason) {
    if (reason == "moderator") return MeetingPrompt::WaitingModerator;
    if (reason == "meeting_not_started") return MeetingPrompt::WaitingStart;
    return MeetingPrompt::WaitingLobby;
}

MeetingPrompt end_prompt(MeetingEnd end) {
    switch (end) {
        case MeetingEnd::Ended:
            return MeetingPrompt::EndMeeting;
        case MeetingEnd::Kicked:
            return MeetingPrompt::EndKicked;
        case MeetingEnd::JoinFailed:
            return MeetingPrompt::EndJoinFailed;
        case MeetingEnd::JoinTimedOut:
            return MeetingPrompt::EndJoinTimeout;
        case MeetingEnd::WaitTimedOut:
            return MeetingPrompt::EndNotAdmitted;
        case MeetingEnd::Lost:
            return MeetingPrompt::EndLost;
    }
    return MeetingPrompt::EndJoinFailed;
}

PasswordEntry::Outcome PasswordEntry::on_digit(char digit) {
    if (digit == '#') return typed_.empty() ? Outcome::Empty : Outcome::Submit;
    if (digit == '*') {
        if (!typed_.empty()) typed_.pop_back();
    } else if (typed_.size() < kMaxDigits &&
               ((digit >= '0' && digit <= '9') || (digit >= 'A' && digit <= 'D'))) {
        typed_ += digit;
    }
    return Outcome::Typed;
}

MeetingPrompts::MeetingPrompts(std::string session_id, MeetingPromptSettings settings,
                               MeetingPromptHooks hooks)
    : id_(std::move(session_id)), settings_(std::move(settings)), hooks_(std::move(hooks)) {}

bool MeetingPrompts::hold() {
    if (held_) return true;
    held_ = hooks_.hold && hooks_.hold(true);
    return held_;
}

uint64_t MeetingPrompts::say(const std::vector<MeetingPrompt>& prompts, const std::string& text,
                             bool goodbye) {
    std::vector<std::string> files;
    uint64_t ms = 0;
    std::string names;
    for (MeetingPrompt p : prompts) {
        files.push_back(meeting_prompt_file(p, settings_.language));
        names += (names.empty() ? "" : ",") + std::string(meeting_prompt_id(p));
    }
    if (goodbye) {
        files.push_back(ivr_prompt_file(IvrPrompt::Goodbye, settings_.language));
        names += ",goodbye";
    }
    for (const auto& f : files) ms += wav_duration_ms(f);
    spdlog::info("gateway: sess={} meeting prompt={}", id_, names);
    show(text);
    if (hooks_.play) hooks_.play(files);
    return ms;
}

void MeetingPrompts::show(const std::string& text) {
    text_ = text;
    if (hooks_.show) hooks_.show(text);
}

void MeetingPrompts::repeat_after(uint64_t prompt_ms) {
    repeat_.start(prompt_ms + settings_.repeat_ms, [this] {
        if (ending_) return;
        if (collecting_) {
            // Only a caller who typed nothing needs the instructions again.
            if (password_.typed().empty())
                show_password({MeetingPrompt::Password});
            else
                repeat_after(0);
            return;
        }
        repeat_after(say({waiting_}, meeting_prompt_text(waiting_, settings_.language)));
    });
}

void MeetingPrompts::show_password(const std::vector<MeetingPrompt>& prompts) {
    const MeetingPrompt heading = prompts.empty() ? MeetingPrompt::Password : prompts.front();
    std::string text = meeting_prompt_text(heading, settings_.language) + "\n" +
                       (password_.typed().empty() ? "_" : password_.masked());
    if (prompts.empty()) {
        show(text);
        return;
    }
    repeat_after(say(prompts, text));
}

void MeetingPrompts::waiting(const std::string& reason) {
    if (ending_) return;
    const MeetingPrompt p = waiting_prompt(reason);
    spdlog::info("gateway: sess={} meeting waiting reason={}", id_, reason);
    status_ = "waiting:" + reason;
    collecting_ = false;
    checking_ = false;
    if (!hold()) return;  // no media to tell the caller on; the join deadline still runs
    waiting_ = p;
    repeat_after(say({p}, meeting_prompt_text(p, settings_.language)));
}

void MeetingPrompts::password_required(bool retry) {
    if (ending_) return;
    if (retry) ++refused_;
    spdlog::info("gateway: sess={} meeting password required retry={} refused={}", id_, retry,
                 refused_);
    if (refused_ >= settings_.password_tries) {
        finish({MeetingPrompt::PasswordWrong, MeetingPrompt::EndJoinFailed},
               fmt::format("meeting password refused {} times", refused_), "password_refused");
        return;
    }
    status_ = "password";
    checking_ = false;
    password_.clear();
    if (!hold()) return;
    collecting_ = true;
    if (retry)
        show_password({MeetingPrompt::PasswordWrong, MeetingPrompt::Password});
    else
        show_password({MeetingPrompt::Password});
}

void MeetingPrompts::on_digit(char digit) {
    if (!collecting_) return;  // checking_: the service has not answered the last one yet
    switch (password_.on_digit(digit)) {
        case PasswordEntry::Outcome::Typed:
            show_password({});
            return;
        case PasswordEntry::Outcome::Empty:
            show_password({MeetingPrompt::Password});  // '#' alone: say again what to do
            return;
        case PasswordEntry::Outcome::Submit:
            break;
    }
    collecting_ = false;
    checking_ = true;
    repeat_.cancel();
    // The digits themselves are a secret: never logged.
    spdlog::info("gateway: sess={} meeting password submitted digits={}", id_,
                 password_.typed().size());
    show(meeting_prompt_text(MeetingPrompt::Password, settings_.language) + "\n" +
         password_.masked() + "  ...");
    if (hooks_.play) hooks_.play({});
    const std::string typed = password_.typed();
    password_.clear();
    if (hooks_.submit_password) hooks_.submit_password(typed);
}

void MeetingPrompts::reconnecting(const std::string& reason) {
    if (ending_) return;
    spdlog::info("gateway: sess={} meeting reconnecting reason={}", id_, reason);
    status_ = "reconnecting:" + reason;
}

void MeetingPrompts::joined() {
    if (ending_) return;
    refused_ = 0;
    status_.clear();
    if (held_) spdlog::info("gateway: sess={} meeting joined: the caller gets the meeting", id_);
    release();
}

void MeetingPrompts::link_rebuilt() {
    // A fresh page is asked for what the bridge forwards, so the bridge must run; the new page
    // says again if the service holds the join.
    if (!ending_) release();
}

void MeetingPrompts::release() {
    repeat_.cancel();
    collecting_ = false;
    checking_ = false;
    password_.clear();
    if (!held_) return;
    held_ = false;
    if (hooks_.play) hooks_.play({});
    show("");
    if (hooks_.hold) hooks_.hold(false);
}

void MeetingPrompts::ended(MeetingEnd end, const std::string& cause) {
    finish({end_prompt(end)}, cause, std::string(meeting_end_name(end)));
}

void MeetingPrompts::finish(const std::vector<MeetingPrompt>& prompts, const std::string& cause,
                            const std::string& end_name) {
    if (ending_) return;
    ending_ = true;
    collecting_ = false;
    checking_ = false;
    repeat_.cancel();
    status_ = "ending:" + end_name;
    spdlog::info("gateway: sess={} meeting over end={} cause=\"{}\": telling the caller", id_,
                 end_name, cause);
    const bool can_tell = hold();
    // Free the browser now; the caller's media no longer depends on it once held.
    if (hooks_.release_meeting) hooks_.release_meeting();
    if (!can_tell) {
        if (hooks_.hangup) hooks_.hangup(cause);
        return;
    }
    const uint64_t ms = say(prompts, meeting_prompt_text(prompts.back(), settings_.language),
                            /*goodbye=*/true);
    // The timer does not wait for playback, so a stalled pipeline cannot hold the BYE back.
    // The slack covers the media switch before the first sample plays.
    goodbye_.start(std::min(ms + 1000, settings_.goodbye_max_ms), [this, cause] {
        if (hooks_.hangup) hooks_.hangup(cause);
    });
}

}  // namespace gateway
