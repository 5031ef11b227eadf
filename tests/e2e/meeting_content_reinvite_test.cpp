// A content line added by re-INVITE during a meeting (issue 14, docs/content.md): a room (sipp's
// signalling, GStreamer media on the test's own sockets) joins the demo's Janus room without a
// content line, its camera green; when the test says so, it re-INVITEs with a content line and
// UDP/BFCP, as Poly and Cisco rooms do when a laptop is plugged in, takes the floor (libre's
// BFCP client) and sends blue slides. The gateway renegotiates its link to the page in place:
// the independent observer keeps seeing the room's camera as the same Janus feed (a leave and
// rejoin would publish a new feed id) and gets the slides as a second feed; a share in the
// meeting then reaches the room's content line over the renegotiated track.
#include "meeting_fixture.hpp"
#include "private_network.hpp"
#include "support/bfcp_client.hpp"
#include "support/ports.hpp"
#include "support/rtp_video_peer.hpp"
#include "support/sipp.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <fstream>
#include <future>
#include <iostream>
#include <regex>

namespace {

using namespace std::chrono_literals;

bool blue(const browser::Json& f) {
    return f.value("b", 0) > 150 && f.value("r", 0) < 90 && f.value("g", 0) < 90;
}
bool green(const browser::Json& f) {
    return f.value("g", 0) > 150 && f.value("r", 0) < 90 && f.value("b", 0) < 90;
}

// The observer's feed that is the room's camera (not a share, green), or null.
browser::Json camera_feed(const browser::Json& feeds) {
    if (feeds.is_array())
        for (const auto& f : feeds)
            if (!f.value("share", false) && green(f)) return f;
    return nullptr;
}

bool has_share(const browser::Json& feeds) {
    if (feeds.is_array())
        for (const auto& f : feeds)
            if (f.value("share", false) && blue(f)) return true;
    return false;
}

class MeetingContentReinviteTest : public e2e::MeetingFixture {};

TEST_F(MeetingContentReinviteTest, ContentAddedByReInviteStaysInTheMeeting) {
    testsupport::TempDir tmp("meeting-content-reinvite");
    auto gw = e2e::DemoGateway::start(tmp.path());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();
    ASSERT_TRUE(join_observer(*gw));

    testsupport::RtpVideoPeer camera;
    testsupport::RtpVideoPeer slides;
    const auto gwport_file = tmp.path() / "gateway-video-port";
    // The room's call and the trigger meet by this Call-ID and twin socket (sipp -3pcc).
    const std::string call_id = "content-reinvite-" + std::to_string(getpid());
    const std::string twin = "127.0.0.1:" + std::to_string(testsupport::free_port());
    testsupport::SippOptions call_options;
    call_options.scenario = "content_reinvite_until_bye.xml";
    call_options.target = "127.0.0.1:5060";
    call_options.service = "1234";
    call_options.timeout = 280s;
    call_options.extra_args = {"-key",  "main_port",    std::to_string(camera.port()),
                               "-key",  "content_port", std::to_string(slides.port()),
                               "-key",  "gwport_file",  gwport_file.string(),
                               "-3pcc", twin,           "-cid_str",
                               call_id};
    auto call = std::async(std::launch::async,
                           [&] { return testsupport::run_sipp(tmp.path(), call_options); });
    // A test that stops early ends the gateway first (its BYE ends sipp), or the future would
    // wait for sipp's own timeout.
    struct StopFirst {
        e2e::DemoGateway& gw;
        bool stopped = false;
        ~StopFirst() {
            if (!stopped) (void)gw.terminate();
        }
    } stop_first{*gw};

    std::string gw_address;
    uint16_t gw_video_port = 0;
    ASSERT_TRUE(testsupport::wait_until(
        [&] {
            std::ifstream in(gwport_file);
            int port = 0;
            if (!(in >> gw_address >> port) || port <= 0) return false;
            gw_video_port = static_cast<uint16_t>(port);
            return true;
        },
        60s))
        << log.tail(40);
    camera.start(gw_address, gw_video_port, "green");
    const std::regex joined(R"(sess=(\S+) state joining -> in_call)");
    ASSERT_TRUE(log.wait_for_log(joined, 90s)) << log.tail(80);
    std::smatch m;
    std::string text = log.log();
    ASSERT_TRUE(std::regex_search(text, m, joined));
    const std::string id = m[1];

    // The room's camera in the meeting, as the observer sees it: its Janus feed id.
    browser::Json feeds = poll_evaluate(
        *observer_, "__obsFeeds()",
        [](const browser::Json& f) { return !camera_feed(f).is_null(); }, 90s);
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
    const auto triggered = testsupport::run_sipp(tmp.path(), trigger);
    ASSERT_TRUE(triggered.ok()) << triggered.error().message;
    ASSERT_EQ(triggered->exit_code, 0) << triggered->log << triggered->messages;

    EXPECT_TRUE(log.wait_for_log(
        std::regex("gateway: sess=" + id +
                   R"( meeting link renegotiated \(a content line came by re-INVITE\))"),
        60s))
        << log.tail(60);
    const std::regex ports(
        "media: sess=" + id +
        R"( content line local=([0-9.]+):(\d+) peer=\S+ codec=VP8 \(main video local=)");
    ASSERT_TRUE(log.wait_for_log(ports, 60s)) << log.tail(40);
    text = log.log();
    ASSERT_TRUE(std::regex_search(text, m, ports));
    const auto content_port = static_cast<uint16_t>(std::stoul(m[2]));
    const std::regex floor_line(
        "bfcp: sess=" + id +
        R"( floor control on UDP/BFCP port=(\d+) floor=1 confid=(\d+) userid=(\d+))");
    ASSERT_TRUE(log.wait_for_log(floor_line, 30s)) << log.tail(40);
    text = log.log();
    ASSERT_TRUE(std::regex_search(text, m, floor_line));
    testsupport::BfcpClient button(testsupport::BfcpClient::Transport::Udp, gw_address,
                                   static_cast<uint16_t>(std::stoul(m[1])),
                                   static_cast<uint32_t>(std::stoul(m[2])),
                                   static_cast<uint16_t>(std::stoul(m[3])));
    ASSERT_TRUE(button.ok());

    // The room presents: its slides reach the meeting as a second feed, next to the same
    // camera feed.
    slides.start(gw_address, content_port, "blue");
    button.hello();
    button.request_floor(1);
    ASSERT_TRUE(run_until([&] { return button.state_of(1) == BFCP_GRANTED; }, 30s));
    EXPECT_TRUE(log.wait_for_log(
        std::regex("sess=" + id + R"( content to the meeting started \(the room sends content\))"),
        60s))
        << log.tail(60);
    feeds = poll_evaluate(
        *observer_, "__obsFeeds()",
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
    text = log.log();
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
    slides.start(gw_address, content_port, "");
    const int before_share = slides.frames();
    browser::PageOptions po;
    auto share_page = open_page(*observer_browser_, po);
    ASSERT_TRUE(share_page);
    // A loaded host may take longer than the default 30 s to load the demo page.
    const auto loaded = navigate(*share_page, gw->page_url(), 90s);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    ASSERT_TRUE(evaluate(*share_page, e2e::kSharePublisher).ok());
    EXPECT_TRUE(log.wait_for_log(
        std::regex("sess=" + id + R"( content to the room started \(a share in the meeting\))"),
        90s))
        << log.tail(60);
    EXPECT_TRUE(testsupport::wait_until(
        [&] {
            const auto c = slides.last_colour();
            return slides.frames() >= before_share + 15 && c.r > 150 && c.g < 110 && c.b > 150;
        },
        90s))
        << "content line: " << slides.frames() - before_share << " frames, last colour ("
        << slides.last_colour().r << "," << slides.last_colour().g << "," << slides.last_colour().b
        << ")\n"
        << log.tail(40);
    ASSERT_TRUE(evaluate(*share_page, "__shareStop()").ok());
    share_page.reset();

    leave_observer();
    EXPECT_TRUE(gw->terminate()) << log.tail(40);
    stop_first.stopped = true;
    auto r = call.get();
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->exit_code, 0) << r->messages;
    const std::string left = gw->browsers_left(30s);
    EXPECT_TRUE(left.empty()) << left;
}

}  // namespace
