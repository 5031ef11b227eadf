// The IVR media mode against real GStreamer far ends: the generated picture decodes in each
// video codec and is not one colour (it carries text); prompts come out with energy and the
// picture's text follows the digits; silence before any prompt.
#include "far_end.hpp"
#include "media/engine.hpp"
#include "test_call.hpp"
#include "test_loop.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>

namespace media_test {
namespace {

using IvrParam = std::tuple<std::string, std::string>;  // audio, video

class IvrMedia : public ::testing::TestWithParam<IvrParam> {};

std::string prompt(const char* id) {
    return std::string(SIPMEDIAGW_GENERATED_ASSETS_DIR) + "/ivr/" + id + "_en.wav";
}

TEST_P(IvrMedia, PictureWithTextAndSpokenPrompt) {
    const auto& [audio, video] = GetParam();
    Call c(test_config());
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = audio, .video_codec = video, .tone_hz = 1000});
    const auto ports = c.call->local_ports();
    ASSERT_TRUE(far.start(ports).ok());
    c.call->show_text("Enter the conference number, then #");
    auto st = c.call->start(far.negotiated(ports), media::Mode::Ivr);
    ASSERT_TRUE(st.ok()) << st.error().message;

    // Before any prompt: the audio that arrives is silence.
    ASSERT_TRUE(c.loop.run_until([&] { return far.audio_samples().size() >= 16000; }, 30000))
        << "no audio from the IVR";
    const double level_before_prompt = rms(far.audio_samples());
    EXPECT_LT(level_before_prompt, 50.0) << "IVR audio is not silent before a prompt";

    const size_t before = far.audio_samples().size();
    c.call->play_prompts({prompt("welcome")});
    ASSERT_TRUE(c.loop.run_until(
        [&] { return far.audio_samples().size() >= before + 16000 * 2 && far.video_frames() >= 5; },
        30000))
        << "audio " << far.audio_samples().size() << ", frames " << far.video_frames();
    const auto all = far.audio_samples();
    const std::vector<int16_t> spoken(all.begin() + static_cast<long>(before), all.end());
    EXPECT_GT(rms(spoken), 300.0) << "the prompt has no energy";
    RecordProperty("prompt_rms", std::to_string(rms(spoken)));
    RecordProperty("luma_range", std::to_string(far.luma_range()));
    EXPECT_EQ(far.video_width(), 256);
    EXPECT_EQ(far.video_height(), 192);
    EXPECT_GT(far.luma_range(), 60) << "the IVR picture is one colour (no text drawn)";
    EXPECT_TRUE(c.errors.empty()) << c.errors.front();
    const auto s = c.call->stats();
    ASSERT_TRUE(s.video);
    EXPECT_GE(s.video->keyframes_sent, 1U);
}

TEST(IvrMediaText, EmptyTextGivesAPlainPicture) {
    // The control for the luma check above: without text the picture is one colour.
    Call c(test_config());
    ASSERT_TRUE(c.call);
    FarEnd far({.audio_codec = "PCMU", .video_codec = "VP8"});
    const auto ports = c.call->local_ports();
    ASSERT_TRUE(far.start(ports).ok());
    ASSERT_TRUE(c.call->start(far.negotiated(ports), media::Mode::Ivr).ok());
    ASSERT_TRUE(c.loop.run_until([&] { return far.video_frames() >= 5; }, 30000));
    EXPECT_LT(far.luma_range(), 30);
    c.call->show_text("1234");
    const int frames = far.video_frames();
    ASSERT_TRUE(c.loop.run_until([&] { return far.video_frames() >= frames + 5; }, 30000));
    EXPECT_GT(far.luma_range(), 60) << "text set during the call is not drawn";
}

INSTANTIATE_TEST_SUITE_P(Codecs, IvrMedia,
                         ::testing::Values(IvrParam{"PCMU", "H264"}, IvrParam{"opus", "VP8"},
                                           IvrParam{"G722", "VP8"}),
                         [](const auto& info) {
                             return std::get<0>(info.param) + "_" + std::get<1>(info.param);
                         });

}  // namespace
}  // namespace media_test
