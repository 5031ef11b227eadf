// The pure parts of what a caller hears while the meeting holds or refuses the join: the password
// typed by DTMF, which prompt each waiting reason and each end cause gets, and that every prompt
// is built in both languages with a text for the picture.
#include "gateway/meeting_prompts.hpp"
#include "gateway/ivr_session.hpp"
#include "media/prompt_player.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

namespace gateway {
namespace {

using Outcome = PasswordEntry::Outcome;

constexpr MeetingPrompt kAll[] = {
    MeetingPrompt::WaitingLobby,   MeetingPrompt::WaitingModerator, MeetingPrompt::WaitingStart,
    MeetingPrompt::Password,       MeetingPrompt::PasswordWrong,    MeetingPrompt::EndJoinFailed,
    MeetingPrompt::EndJoinTimeout, MeetingPrompt::EndNotAdmitted,   MeetingPrompt::EndKicked,
    MeetingPrompt::EndMeeting,     MeetingPrompt::EndLost,
};

TEST(PasswordEntry, DigitsStarErasesHashSends) {
    PasswordEntry p;
    EXPECT_EQ(p.on_digit('#'), Outcome::Empty);
    EXPECT_EQ(p.on_digit('1'), Outcome::Typed);
    EXPECT_EQ(p.on_digit('2'), Outcome::Typed);
    EXPECT_EQ(p.on_digit('*'), Outcome::Typed);
    EXPECT_EQ(p.on_digit('3'), Outcome::Typed);
    EXPECT_EQ(p.typed(), "13");
    EXPECT_EQ(p.masked(), "**");
    EXPECT_EQ(p.on_digit('#'), Outcome::Submit);
    EXPECT_EQ(p.typed(), "13");  // the caller of on_digit takes it, then clears
    p.clear();
    EXPECT_EQ(p.on_digit('*'), Outcome::Typed);  // nothing to erase is not an error
    EXPECT_EQ(p.typed(), "");
}

TEST(PasswordEntry, BoundedAndOnlyKeys) {
    PasswordEntry p;
    for (int i = 0; i < 100; ++i) p.on_digit('7');
    EXPECT_EQ(p.typed().size(), PasswordEntry::kMaxDigits);
    p.clear();
    for (char c : {'x', '\n', '\x01', 'A', '9'}) p.on_digit(c);
    EXPECT_EQ(p.typed(), "A9");
}

TEST(MeetingPromptChoice, EachReasonAndEndHasItsOwnPrompt) {
    EXPECT_EQ(waiting_prompt("lobby"), MeetingPrompt::WaitingLobby);
    EXPECT_EQ(waiting_prompt("guest_approval"), MeetingPrompt::WaitingLobby);
    EXPECT_EQ(waiting_prompt("moderator"), MeetingPrompt::WaitingModerator);
    EXPECT_EQ(waiting_prompt("meeting_not_started"), MeetingPrompt::WaitingStart);
    EXPECT_EQ(waiting_prompt("something new"), MeetingPrompt::WaitingLobby);
    std::set<MeetingPrompt> ends;
    for (auto e : {MeetingEnd::Ended, MeetingEnd::Kicked, MeetingEnd::JoinFailed,
                   MeetingEnd::JoinTimedOut, MeetingEnd::WaitTimedOut, MeetingEnd::Lost})
        ends.insert(end_prompt(e));
    EXPECT_EQ(ends.size(), 6U) << "two end causes share a prompt";
    EXPECT_EQ(end_prompt(MeetingEnd::WaitTimedOut), MeetingPrompt::EndNotAdmitted);
    EXPECT_EQ(end_prompt(MeetingEnd::Kicked), MeetingPrompt::EndKicked);
}

TEST(MeetingPromptAssets, EveryPromptIsBuiltInBothLanguagesWithAText) {
    std::set<std::string> ids;
    for (auto p : kAll) {
        ids.insert(meeting_prompt_id(p));
        for (const char* lang : {"en", "fr"}) {
            const auto file = meeting_prompt_file(p, lang);
            ASSERT_TRUE(std::filesystem::exists(file)) << file;
            EXPECT_GT(wav_duration_ms(file), 300u) << file;
            EXPECT_TRUE(media::read_wav_mono16(file, 22050)) << file;
            EXPECT_FALSE(meeting_prompt_text(p, lang).empty()) << meeting_prompt_id(p);
        }
        EXPECT_NE(meeting_prompt_text(p, "en"), meeting_prompt_text(p, "fr"))
            << meeting_prompt_id(p);
    }
    EXPECT_EQ(ids.size(), std::size(kAll));
    // An unknown language falls back to English, like the IVR.
    EXPECT_EQ(meeting_prompt_file(MeetingPrompt::Password, "de"),
              meeting_prompt_file(MeetingPrompt::Password, "en"));
}

}  // namespace
}  // namespace gateway
