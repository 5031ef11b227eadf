// The IVR's pure helpers: the conference mapper's URL and answers, prompt files and their
// length, the screen text.
#include "gateway/ivr_session.hpp"
#include "gateway/conference_mapper.hpp"
#include "media/prompt_player.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace gateway {
namespace {

TEST(ConferenceMapper, NumberReplacesEveryPlaceholder) {
    EXPECT_EQ(mapper_request_url("http://127.0.0.1:9/m?n={number}&again={number}", "1234"),
              "http://127.0.0.1:9/m?n=1234&again=1234");
    EXPECT_EQ(mapper_request_url("http://127.0.0.1:9/{service}/{number}?s={service}", "42", "bbb"),
              "http://127.0.0.1:9/bbb/42?s=bbb");
    EXPECT_EQ(mapper_request_url("http://127.0.0.1:9/rooms/{number}", ""),
              "http://127.0.0.1:9/rooms/");
}

TEST(ConferenceMapper, AnswerGivesTheRoomOrSaysWhy) {
    EXPECT_EQ(mapper_answer(200, R"({"room":"weekly"})", "room").room, "weekly");
    EXPECT_EQ(mapper_answer(200, R"({"conf":4242})", "conf").room, "4242");
    const auto missing = mapper_answer(200, R"({"other":"x"})", "room");
    EXPECT_TRUE(missing.room.empty());
    EXPECT_FALSE(missing.unavailable);  // an unknown number, said as "invalid"
    const auto not_found = mapper_answer(404, "", "room");
    EXPECT_TRUE(not_found.room.empty());
    EXPECT_FALSE(not_found.unavailable);
    EXPECT_TRUE(mapper_answer(500, R"({"room":"x"})", "room").unavailable);
    EXPECT_TRUE(mapper_answer(200, "<html>", "room").unavailable);
    EXPECT_TRUE(mapper_answer(200, R"({"room":["a"]})", "room").room.empty());
}

TEST(IvrPrompts, EveryPromptHasABuiltWavThatPlays) {
    for (auto p : {IvrPrompt::Welcome, IvrPrompt::Invalid, IvrPrompt::Goodbye, IvrPrompt::Joining,
                   IvrPrompt::Unavailable, IvrPrompt::Timeout, IvrPrompt::ServiceMenu,
                   IvrPrompt::ServiceInvalid}) {
        for (const char* lang : {"en", "fr"}) {
            const auto file = ivr_prompt_file(p, lang);
            ASSERT_TRUE(std::filesystem::exists(file)) << file;
            EXPECT_GT(wav_duration_ms(file), 300u) << file;
            auto samples = media::read_wav_mono16(file, 22050);
            ASSERT_TRUE(samples) << samples.error().message;
            // The header's length and the samples agree (within the file's rounding).
            const auto from_samples = samples->size() * 1000 / 22050;
            EXPECT_NEAR(static_cast<double>(from_samples),
                        static_cast<double>(wav_duration_ms(file)), 2.0)
                << file;
        }
    }
    EXPECT_EQ(wav_duration_ms("/nonexistent.wav"), 0u);
    EXPECT_FALSE(media::read_wav_mono16("/nonexistent.wav", 22050));
}

TEST(IvrScreen, TextInTheLanguageWithTheDigits) {
    core::IvrConfig c;
    EXPECT_EQ(ivr_screen_text(c, ""), c.text_en);
    EXPECT_EQ(ivr_screen_text(c, "12"), c.text_en + "\n12");
    c.language = "fr";
    EXPECT_EQ(ivr_screen_text(c, "7"), c.text_fr + "\n7");
}

}  // namespace
}  // namespace gateway
