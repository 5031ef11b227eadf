// What a meeting caller sees and hears while the meeting holds or refuses the join
// (gateway::MeetingPrompts on a real call's media, a real GStreamer far end): the call starts in
// bridge mode like a named-room call; "waiting" puts the caller on a picture with text and a
// spoken prompt; a password typed with RFC 4733 digits reaches submit_password ('*' erases, '#'
// sends); "joined" gives the bridge back; an end cause is shown and spoken, the meeting released,
// then the hangup comes.
#include "gateway/meeting_prompts.hpp"
#include "far_end.hpp"
#include "media/encoded_channel.hpp"
#include "media/passthrough.hpp"
#include "support/test_pipeline.hpp"
#include "test_call.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace media_test {
namespace {

constexpr int kDeadlineMs = 30000;

// The meeting page's video toward the caller (the far end's VP8 is forwarded, docs/media.md):
// a plain black picture, so text on the caller's picture can only come from the prompts. Its
// encoder makes keyframes only when asked, as the page's does after a pipeline switch.
struct PageVideo {
    std::shared_ptr<media::EncodedChannel> from_page =
        media::EncodedChannel::get(media::passthrough_channel("t1", false));
    testsupport::Pipeline producer = testsupport::launch(
        "videotestsrc is-live=true pattern=black ! "
        "video/x-raw,width=256,height=192,framerate=15/1 ! "
        "vp8enc deadline=1 threads=1 cpu-used=8 keyframe-max-dist=100000 "
        "target-bitrate=200000 ! " +
        media::EncodedChannel::sink_description("out"));

    PageVideo() {
        GstElement* out = gst_bin_get_by_name(GST_BIN(producer.get()), "out");
        from_page->attach_producer(out);
        gst_object_unref(out);  // the pipeline and the channel keep it
        gst_element_set_state(producer.get(), GST_STATE_PLAYING);
    }
};

// The caller's side of the prompts, as the gateway wires it (call_session_meeting.cpp).
struct PromptedCall {
    Call c{test_config()};
    FarEnd far{{.audio_codec = "PCMU", .video_codec = "VP8", .tone_hz = 1000}};
    PageVideo page;
    sip::NegotiatedMedia negotiated;
    std::vector<std::string> submitted;
    std::vector<std::string> hangups;
    std::vector<std::string> shown;
    int released = 0;
    std::unique_ptr<gateway::MeetingPrompts> prompts;
    size_t digits_fed = 0;

    void start() {
        ASSERT_TRUE(c.call);
        const auto ports = c.call->local_ports();
        ASSERT_TRUE(far.start(ports).ok());
        negotiated = far.negotiated(ports);
        ASSERT_TRUE(c.call->start(negotiated, media::Mode::Bridge).ok());
        ASSERT_TRUE(c.call->passthrough_video()) << "the page's video is meant to be forwarded";
        gateway::MeetingPromptHooks hooks;
        hooks.hold = [this](bool held) {
            return c.call->start(negotiated, held ? media::Mode::Ivr : media::Mode::Bridge).ok();
        };
        hooks.show = [this](const std::string& text) {
            shown.push_back(text);
            c.call->show_text(text);
        };
        hooks.play = [this](const std::vector<std::string>& files) { c.call->play_prompts(files); };
        hooks.submit_password = [this](const std::string& p) { submitted.push_back(p); };
        hooks.release_meeting = [this] { ++released; };
        hooks.hangup = [this](const std::string& cause) { hangups.push_back(cause); };
        prompts = std::make_unique<gateway::MeetingPrompts>(
            "t1", gateway::MeetingPromptSettings{.language = "en"}, std::move(hooks));
    }

    // Gateway::on_dtmf: digits go to the prompts while they take them.
    void feed_digits() {
        for (; digits_fed < c.digits.size(); ++digits_fed) {
            if (prompts->takes_digits()) prompts->on_digit(c.digits[digits_fed]);
        }
    }

    // Audio and frames that arrive from now on: loud (a prompt) and with text on the picture.
    void expect_spoken_and_shown(const char* what) {
        SCOPED_TRACE(what);
        const size_t before = far.audio_samples().size();
        const int frames = far.video_frames();
        ASSERT_TRUE(c.loop.run_until(
            [&] {
                return far.audio_samples().size() >= before + 16000 &&
                       far.video_frames() >= frames + 5;
            },
            kDeadlineMs))
            << "audio " << far.audio_samples().size() << ", frames " << far.video_frames();
        const auto all = far.audio_samples();
        const std::vector<int16_t> heard(all.begin() + static_cast<long>(before), all.end());
        EXPECT_GT(rms(heard), 300.0) << "no prompt heard";
        // The far end decodes the new stream after the switch at its own pace (a loaded host
        // can lag by many frames): wait for the text rather than judge the frame at hand.
        EXPECT_TRUE(c.loop.run_until([&] { return far.luma_range() > 60; }, kDeadlineMs))
            << "no text on the picture (luma range " << far.luma_range() << ")";
    }

    // Back on the bridge with no page behind it: silence and a plain (black) picture.
    void expect_meeting_media() {
        ASSERT_EQ(c.call->mode(), media::Mode::Bridge);
        const int frames = far.video_frames();
        ASSERT_TRUE(
            c.loop.run_until([&] { return far.video_frames() >= frames + 10; }, kDeadlineMs));
        EXPECT_TRUE(c.loop.run_until([&] { return far.luma_range() < 30; }, kDeadlineMs))
            << "the waiting text stayed on the picture (luma range " << far.luma_range() << ")";
    }
};

TEST(MeetingPrompts, WaitingThenPasswordThenJoinedThenKicked) {
    PromptedCall t;
    t.start();
    ASSERT_NO_FATAL_FAILURE(t.expect_meeting_media());  // the control for the checks below

    t.prompts->waiting("lobby");
    EXPECT_EQ(t.c.call->mode(), media::Mode::Ivr);
    EXPECT_EQ(t.prompts->status(), "waiting:lobby");
    ASSERT_FALSE(t.shown.empty());
    EXPECT_NE(t.shown.back().find("Waiting room"), std::string::npos) << t.shown.back();
    t.expect_spoken_and_shown("waiting");

    // In-call keys typed while waiting are not the prompts' business.
    EXPECT_FALSE(t.prompts->takes_digits());
    t.prompts->password_required(false);
    EXPECT_TRUE(t.prompts->takes_digits());
    EXPECT_EQ(t.prompts->status(), "password");
    t.expect_spoken_and_shown("password");

    uint32_t ts = 200000;
    for (char k : std::string("42*7#")) {
        t.far.send_dtmf(k, ts);
        ts += 8000;
    }
    ASSERT_TRUE(t.c.loop.run_until(
        [&] {
            t.feed_digits();
            return !t.submitted.empty();
        },
        kDeadlineMs))
        << "digits seen: " << std::string(t.c.digits.begin(), t.c.digits.end());
    EXPECT_EQ(t.submitted, std::vector<std::string>{"47"});
    // Until the service answers, keys are neither password nor in-call actions ('0' leaves).
    EXPECT_TRUE(t.prompts->takes_digits());
    t.prompts->on_digit('0');
    t.prompts->on_digit('#');
    EXPECT_EQ(t.submitted.size(), 1U);
    // The picture masked what was typed and never showed the digits.
    for (const auto& text : t.shown) EXPECT_EQ(text.find("47"), std::string::npos) << text;

    t.prompts->password_required(true);  // refused: asked again, with "wrong password"
    EXPECT_TRUE(t.prompts->takes_digits());
    EXPECT_NE(t.shown.back().find("Wrong password"), std::string::npos) << t.shown.back();

    t.prompts->joined();
    EXPECT_TRUE(t.prompts->status().empty());
    EXPECT_FALSE(t.prompts->takes_digits());
    ASSERT_NO_FATAL_FAILURE(t.expect_meeting_media());

    t.prompts->ended(gateway::MeetingEnd::Kicked, "kicked: removed by a moderator");
    EXPECT_EQ(t.c.call->mode(), media::Mode::Ivr);
    EXPECT_EQ(t.released, 1) << "the browser is kept while the caller hears the cause";
    EXPECT_EQ(t.prompts->status(), "ending:kicked");
    EXPECT_NE(t.shown.back().find("removed from the meeting"), std::string::npos) << t.shown.back();
    t.expect_spoken_and_shown("kicked");
    ASSERT_TRUE(t.c.loop.run_until([&] { return !t.hangups.empty(); }, kDeadlineMs));
    EXPECT_EQ(t.hangups, std::vector<std::string>{"kicked: removed by a moderator"});
    // Later events from a link that is going away change nothing.
    t.prompts->waiting("lobby");
    t.prompts->joined();
    EXPECT_EQ(t.c.call->mode(), media::Mode::Ivr);
    EXPECT_EQ(t.prompts->status(), "ending:kicked");
    EXPECT_TRUE(t.c.errors.empty()) << t.c.errors.front();
}

TEST(MeetingPrompts, RefusedPasswordsEndTheCallWithTheirCause) {
    PromptedCall t;
    t.start();
    t.prompts->password_required(false);
    t.prompts->password_required(true);
    t.prompts->password_required(true);
    EXPECT_TRUE(t.hangups.empty());
    t.prompts->password_required(true);  // the third refusal, [ivr] tries = 3
    EXPECT_FALSE(t.prompts->takes_digits());
    EXPECT_EQ(t.prompts->status(), "ending:password_refused");
    t.expect_spoken_and_shown("refused");
    ASSERT_TRUE(t.c.loop.run_until([&] { return !t.hangups.empty(); }, kDeadlineMs));
    EXPECT_EQ(t.hangups, std::vector<std::string>{"meeting password refused 3 times"});
}

// The BYE does not wait for playback: with media that never plays a sample, the hangup still
// comes, after at most goodbye_max_ms.
TEST(MeetingPrompts, HangupComesEvenIfPlaybackStalls) {
    TestLoop loop;
    std::vector<std::string> hangups;
    int holds = 0;
    gateway::MeetingPromptHooks hooks;
    hooks.hold = [&](bool) {
        ++holds;
        return true;
    };
    hooks.hangup = [&](const std::string& cause) { hangups.push_back(cause); };
    gateway::MeetingPrompts prompts(
        "t2", gateway::MeetingPromptSettings{.language = "fr", .goodbye_max_ms = 1000}, hooks);
    prompts.ended(gateway::MeetingEnd::JoinTimedOut, "join: no answer from the page");
    EXPECT_EQ(holds, 1);
    ASSERT_TRUE(loop.run_until([&] { return !hangups.empty(); }, kDeadlineMs));
    EXPECT_EQ(hangups.front(), "join: no answer from the page");
}

// The waiting prompt comes again (here after 300 ms of silence instead of 30 s) until joined;
// what the picture shows survives a notice drawn over it.
TEST(MeetingPrompts, WaitingPromptRepeatsUntilJoined) {
    TestLoop loop;
    std::vector<std::vector<std::string>> played;
    gateway::MeetingPromptHooks hooks;
    hooks.hold = [](bool) { return true; };
    hooks.play = [&](const std::vector<std::string>& files) { played.push_back(files); };
    gateway::MeetingPrompts prompts(
        "t4", gateway::MeetingPromptSettings{.language = "en", .repeat_ms = 300}, hooks);
    prompts.waiting("moderator");
    ASSERT_EQ(played.size(), 1U);
    ASSERT_EQ(played[0].size(), 1U);
    EXPECT_NE(played[0][0].find("waiting_moderator_en.wav"), std::string::npos) << played[0][0];
    EXPECT_NE(prompts.screen_text().find("moderator"), std::string::npos);
    ASSERT_TRUE(loop.run_until([&] { return played.size() >= 3; }, kDeadlineMs));
    EXPECT_EQ(played[2], played[0]);
    prompts.joined();
    EXPECT_TRUE(played.back().empty()) << "joined did not stop the prompt";
    EXPECT_EQ(prompts.screen_text(), "");
}

// A call without media to tell it on is hung up at once, with its cause.
TEST(MeetingPrompts, NoMediaMeansAnImmediateHangup) {
    TestLoop loop;
    std::vector<std::string> hangups;
    gateway::MeetingPromptHooks hooks;
    hooks.hold = [](bool) { return false; };
    hooks.hangup = [&](const std::string& cause) { hangups.push_back(cause); };
    gateway::MeetingPrompts prompts("t3", {}, hooks);
    prompts.waiting("moderator");
    EXPECT_EQ(prompts.status(), "waiting:moderator");
    prompts.ended(gateway::MeetingEnd::Ended, "meeting ended");
    EXPECT_EQ(hangups, std::vector<std::string>{"meeting ended"});
}

}  // namespace
}  // namespace media_test
