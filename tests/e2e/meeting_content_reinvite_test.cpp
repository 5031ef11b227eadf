// A content line added by re-INVITE during a meeting (issue 14, docs/content.md): a room (sipp's
// signalling, GStreamer media on the test's own sockets) joins the demo's Janus room without a
// content line, its camera green; when the test says so, it re-INVITEs with a content line and
// UDP/BFCP, as Poly and Cisco rooms do when a laptop is plugged in, takes the floor (libre's
// BFCP client) and sends blue slides. The gateway renegotiates its link to the page in place:
// the independent observer keeps seeing the room's camera as the same Janus feed (a leave and
// rejoin would publish a new feed id) and gets the slides as a second feed; a share in the
// meeting then reaches the room's content line over the renegotiated track. The call's own
// pipeline gets the content stream added while audio and video run on: the room's camera
// socket receives the meeting's video under one SSRC all along. The other way round, a room
// that presented unplugs its laptop (content and BFCP lines at port 0 by re-INVITE): the share
// leaves the meeting, the floor is revoked, and the call with its camera and the meeting's
// video goes on, still without any restart.
#include "meeting_content.hpp"
#include "private_network.hpp"
#include "support/ports.hpp"
#include "support/wait.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <iostream>
#include <regex>
#include <set>

namespace {

using namespace std::chrono_literals;
using e2e::camera_feed;

bool has_share(const browser::Json& feeds) {
    return e2e::has_feed(feeds, true, e2e::blue_feed);
}

// Whether the log says that call `id`'s whole pipeline was made again.
bool media_restarted(const std::string& log, const std::string& id) {
    return log.find("media: sess=" + id + " streams or codecs changed: restarting media") !=
           std::string::npos;
}

// The SSRCs the room's camera socket got the meeting's video under, once it got some.
std::set<uint32_t> meeting_video_ssrcs(const testsupport::RtpVideoPeer& camera) {
    (void)testsupport::wait_until([&] { return camera.frames() >= 5; }, 90s);
    return camera.ssrcs();
}

class MeetingContentReinviteTest : public e2e::MeetingContentFixture {};

TEST_F(MeetingContentReinviteTest, ContentAddedByReInviteStaysInTheMeeting) {
    ASSERT_TRUE(start_demo("meeting-content-reinvite"));
    auto& log = gw_->program();
    testsupport::RtpVideoPeer slides;
    // The room's call and the trigger meet by this Call-ID and twin socket (sipp -3pcc).
    const std::string call_id = "content-reinvite-" + std::to_string(getpid());
    const std::string twin = "127.0.0.1:" + std::to_string(testsupport::free_port());
    e2e::SdpRoom room(*gw_, tmp_->path(), "content_reinvite_until_bye.xml",
                      {"-key", "content_port", std::to_string(slides.port()), "-3pcc", twin,
                       "-cid_str", call_id});
    ASSERT_TRUE(room.in_meeting());
    const std::string& id = room.id;

    // The room's camera in the meeting, as the observer sees it: its Janus feed id.
    browser::Json feeds =
        observer_feeds([](const browser::Json& f) { return !camera_feed(f).is_null(); }, 90s);
    const browser::Json before = camera_feed(feeds);
    ASSERT_FALSE(before.is_null()) << "the observer sees: " << feeds.dump();
    const std::string feed_key = before.value("key", "");
    ASSERT_FALSE(feed_key.empty()) << feeds.dump();
    ASSERT_TRUE(evaluate(*observer_, "__obsResetGaps()").ok());
    // The meeting's video toward the room, from the SIP side's video session.
    const auto ssrcs = meeting_video_ssrcs(room.camera);
    ASSERT_EQ(ssrcs.size(), 1U) << log.tail(40);

    // The laptop is plugged in: the room re-INVITEs with a content line and UDP/BFCP.
    testsupport::SippOptions trigger;
    trigger.scenario = "content_reinvite_trigger.xml";
    trigger.target = "127.0.0.1:5060";
    trigger.service = "1234";
    trigger.timeout = 60s;
    trigger.extra_args = {"-3pcc", twin, "-key", "room_call_id", call_id};
    const auto triggered = testsupport::run_sipp(tmp_->path(), trigger);
    ASSERT_TRUE(triggered.ok()) << triggered.error().message;
    ASSERT_EQ(triggered->exit_code, 0) << triggered->log << triggered->messages;

    EXPECT_TRUE(log.wait_for_log(
        std::regex("gateway: sess=" + id +
                   R"( meeting link renegotiated \(a content line came by re-INVITE\))"),
        60s))
        << log.tail(60);
    // The new track carries the room's VP8 as it came (docs/content.md, "Content media").
    EXPECT_TRUE(log.wait_for_log(
        std::regex("media: sess=" + id +
                   R"( bridge: content track on the link \(the room's VP8 passed through, no )"
                   R"(decode/encode; the meeting's share decoded here\), added by renegotiation)"),
        30s))
        << log.tail(60);
    auto line = e2e::content_line(log, id);
    ASSERT_TRUE(line);
    // The room sends where the gateway's SDP says (what the scenario wrote into gwport_file).
    line->address = room.video->address;
    auto floor = e2e::room_button(log, id, line->address);
    ASSERT_TRUE(floor.client && floor.client->ok());
    auto& button = *floor.client;

    // The room presents: its slides reach the meeting as a second feed, next to the same
    // camera feed.
    ASSERT_TRUE(room_presents(slides, button, *line, log));
    feeds = observer_feeds(
        [](const browser::Json& f) { return has_share(f) && !camera_feed(f).is_null(); }, 90s);
    EXPECT_TRUE(has_share(feeds)) << "the observer sees: " << feeds.dump() << "\n" << log.tail(60);
    const browser::Json after = camera_feed(feeds);
    ASSERT_FALSE(after.is_null()) << "the observer sees: " << feeds.dump();
    // The same feed: the room never left the meeting.
    EXPECT_EQ(after.value("key", ""), feed_key) << feeds.dump() << "\n" << log.tail(60);
    // The camera's longest pause at the observer across the change, for the record.
    RecordProperty("camera_max_gap_ms", std::to_string(after.value("gapMs", -1)));
    std::cout << "camera feed longest gap across the re-INVITE: " << after.value("gapMs", -1)
              << " ms\n";
    const std::string text = log.log();
    EXPECT_EQ(text.find("sess=" + id + " meeting link rebuilt"), std::string::npos) << log.tail(60);
    // The call's pipeline got the content stream alone: its main media were not restarted
    // (structural: the same video session toward the room, no restart in the log).
    EXPECT_NE(text.find("media: sess=" + id + " content line added by re-INVITE"),
              std::string::npos)
        << log.tail(60);
    EXPECT_FALSE(media_restarted(text, id)) << log.tail(60);
    const std::regex joins("gateway: sess=" + id + " joined room=");
    EXPECT_EQ(std::distance(std::sregex_iterator(text.begin(), text.end(), joins),
                            std::sregex_iterator()),
              1)
        << log.tail(80);

    // Meeting → room on the renegotiated track: the room releases the floor, a participant
    // shares (magenta), and the room's content line decodes it.
    button.release_floor(1);
    ASSERT_TRUE(run_until([&] { return button.state_of(1) == BFCP_RELEASED; }, 30s));
    const int before_share = e2e::receive_content(slides, *line);
    auto share_page = open_share(*gw_);
    ASSERT_TRUE(share_page);
    EXPECT_TRUE(e2e::content_to_room_started(log, id, 90s)) << log.tail(60);
    EXPECT_TRUE(e2e::content_shows(slides, before_share, e2e::magenta)) << "\n" << log.tail(40);
    ASSERT_TRUE(evaluate(*share_page, "__shareStop()").ok());
    share_page.reset();
    EXPECT_EQ(room.camera.ssrcs(), ssrcs) << "the meeting's video toward the room restarted";

    leave_and_finish(room.call);
}

TEST_F(MeetingContentReinviteTest, ContentRemovedByReInviteEndsTheShareAndTheCallGoesOn) {
    ASSERT_TRUE(start_demo("meeting-content-remove"));
    auto& log = gw_->program();
    const std::string call_id = "content-remove-" + std::to_string(getpid());
    const std::string twin = "127.0.0.1:" + std::to_string(testsupport::free_port());
    e2e::BfcpRoom room(*gw_, tmp_->path(), "content_remove_until_bye.xml",
                       {"-3pcc", twin, "-cid_str", call_id});
    ASSERT_TRUE(room.in_meeting());
    const std::string& id = room.line->id;
    auto& button = room.button();

    // The room presents: the observer sees its camera and its slides.
    ASSERT_TRUE(room_presents(room.slides, button, *room.line, log));
    browser::Json feeds = observer_feeds(
        [](const browser::Json& f) { return has_share(f) && !camera_feed(f).is_null(); }, 90s);
    ASSERT_TRUE(has_share(feeds)) << "the observer sees: " << e2e::feeds_text(feeds) << "\n"
                                  << log.tail(60);
    const std::string feed_key = camera_feed(feeds).value("key", "");
    const auto ssrcs = meeting_video_ssrcs(room.camera);
    ASSERT_EQ(ssrcs.size(), 1U) << log.tail(40);

    // The laptop is unplugged: content and BFCP lines at port 0 (the scenario checks the
    // answer keeps them at port 0 and the main video up).
    const size_t from = log.log_size();
    testsupport::SippOptions trigger;
    trigger.scenario = "content_reinvite_trigger.xml";
    trigger.target = "127.0.0.1:5060";
    trigger.service = "1234";
    trigger.timeout = 60s;
    trigger.extra_args = {"-3pcc", twin, "-key", "room_call_id", call_id};
    const auto triggered = testsupport::run_sipp(tmp_->path(), trigger);
    ASSERT_TRUE(triggered.ok()) << triggered.error().message;
    ASSERT_EQ(triggered->exit_code, 0) << triggered->log << triggered->messages;

    EXPECT_TRUE(log.wait_for_log(
        std::regex("media: sess=" + id +
                   R"( content line removed by re-INVITE: its own stream stopped)"),
        60s, from))
        << log.tail(60);
    // The floor goes with the BFCP line first, so the share usually stops for that.
    EXPECT_TRUE(log.wait_for_log(
        std::regex(
            "gateway: sess=" + id +
            R"( content to the meeting stopped \((the content line is gone|the room released the floor)\))"),
        60s, from))
        << log.tail(60);
    EXPECT_TRUE(log.wait_for_log(
        std::regex("bfcp: sess=" + id + R"( floor control off \(no BFCP line in the offer\))"), 60s,
        from))
        << log.tail(60);
    // The room's grant ends with its floor control.
    EXPECT_TRUE(run_until([&] { return button.state_of(1) == BFCP_REVOKED; }, 30s)) << log.tail(40);

    // The share leaves the meeting; the camera stays, as the same feed.
    feeds = observer_feeds(
        [](const browser::Json& f) { return !has_share(f) && !camera_feed(f).is_null(); }, 60s);
    EXPECT_FALSE(has_share(feeds)) << "still shared: " << e2e::feeds_text(feeds);
    ASSERT_FALSE(camera_feed(feeds).is_null()) << e2e::feeds_text(feeds) << "\n" << log.tail(60);
    EXPECT_EQ(camera_feed(feeds).value("key", ""), feed_key) << e2e::feeds_text(feeds);

    // Media keep flowing both ways: the observer decodes more of the room's camera (its only
    // feed now), and the room's camera socket decodes more of the meeting's video.
    const auto frames = [](const browser::Json& o) {
        return o.is_object() ? o.value("frames", int64_t{0}) : int64_t{-1};
    };
    const int64_t seen = frames(observed([&](const browser::Json& o) { return frames(o) >= 0; }));
    const int got = room.camera.frames();
    const auto now = observed([&](const browser::Json& o) { return frames(o) >= seen + 30; }, 60s);
    EXPECT_GE(frames(now), seen + 30) << "observer frames\n" << log.tail(40);
    EXPECT_TRUE(run_until([&] { return room.camera.frames() >= got + 30; }, 60s))
        << "frames at the room " << room.camera.frames() - got << "\n"
        << log.tail(40);

    // Nothing was restarted: the same video session toward the room, no restart in the log.
    EXPECT_EQ(room.camera.ssrcs(), ssrcs);
    EXPECT_FALSE(media_restarted(log.log(), id)) << log.tail(60);

    leave_and_finish(room.call);
}

}  // namespace
