// A content line added by re-INVITE during a meeting (issue 14, docs/content.md): a room (sipp's
// signalling, GStreamer media on the test's own sockets) joins the demo's Janus room without a
// content line, its camera green; when the test says so, it re-INVITEs with a content line and
// UDP/BFCP, as Poly and Cisco rooms do when a laptop is plugged in, takes the floor (libre's
// BFCP client) and sends blue slides. The gateway renegotiates its link to the page in place:
// the independent observer keeps seeing the room's camera as the same Janus feed (a leave and
// rejoin would publish a new feed id) and gets the slides as a second feed; a share in the
// meeting then reaches the room's content line over the renegotiated track.
#include "meeting_content.hpp"
#include "private_network.hpp"
#include "support/ports.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <iostream>
#include <regex>

namespace {

using namespace std::chrono_literals;
using e2e::camera_feed;

bool has_share(const browser::Json& feeds) {
    return e2e::has_feed(feeds, true, e2e::blue_feed);
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
    // The camera's longest pause at the observer across the change, for the record (the SIP
    // side restarts its pipeline for the new line, and waits for the room's next keyframe).
    RecordProperty("camera_max_gap_ms", std::to_string(after.value("gapMs", -1)));
    std::cout << "camera feed longest gap across the re-INVITE: " << after.value("gapMs", -1)
              << " ms\n";
    const std::string text = log.log();
    EXPECT_EQ(text.find("sess=" + id + " meeting link rebuilt"), std::string::npos) << log.tail(60);
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

    leave_and_finish(room.call);
}

}  // namespace
