// Content sharing's media both ways in the demo (issue 14, docs/content.md): a room (sipp's
// signalling, GStreamer media on the test's own sockets, libre's BFCP client for its content
// button) calls with a content line and UDP/BFCP. Its camera is green and its slides blue; sipp
// sends no audio, as a muted room. Room → meeting: granted the floor and sending slides, the
// room is seen by the independent observer as its camera and, as a second feed, a share of the
// slides' colour; releasing the floor removes the share (the slides still flow). Meeting → room:
// a share published by another participant (magenta) arrives on the room's content line as
// decoded frames of that colour, the room told by FloorStatus that the gateway holds the floor,
// then that the floor is free when the share ends. A caller without a content line sees the
// share as its main picture instead.
#include "meeting_fixture.hpp"
#include "private_network.hpp"
#include "support/bfcp_client.hpp"
#include "support/http_client.hpp"
#include "support/rtp_video_peer.hpp"
#include "support/sipp.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <regex>
#include <sstream>

namespace {

using namespace std::chrono_literals;

bool blue(int r, int g, int b) {
    return b > 150 && r < 90 && g < 90;
}
bool green(int r, int g, int b) {
    return g > 150 && r < 90 && b < 90;
}
bool magenta(const testsupport::MeanColour& c) {
    return c.r > 150 && c.g < 110 && c.b > 150;
}

// The observer's remote feeds as "name share (r,g,b); ..." for messages.
std::string feeds_text(const browser::Json& feeds) {
    std::string out;
    if (!feeds.is_array()) return feeds.dump();
    for (const auto& f : feeds) {
        out += f.value("name", "?") + (f.value("share", false) ? " share " : " ") + "(" +
               std::to_string(f.value("r", 0)) + "," + std::to_string(f.value("g", 0)) + "," +
               std::to_string(f.value("b", 0)) + "); ";
    }
    return out;
}

bool has_feed(const browser::Json& feeds, bool share, bool (*colour)(int, int, int)) {
    if (!feeds.is_array()) return false;
    for (const auto& f : feeds) {
        if (f.value("share", false) == share &&
            colour(f.value("r", 0), f.value("g", 0), f.value("b", 0)))
            return true;
    }
    return false;
}

class MeetingContentTest : public e2e::MeetingFixture {};

TEST_F(MeetingContentTest, RoomContentIsASecondFeedAndTheMeetingShareReachesTheContentLine) {
    testsupport::TempDir tmp("meeting-content");
    auto gw = e2e::DemoGateway::start(tmp.path());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();
    ASSERT_TRUE(join_observer(*gw));

    // The room's sockets exist before the INVITE names them. If the test stops early, the
    // future waits for sipp, which gives up after its own timeout (within ctest's 300 s).
    testsupport::RtpVideoPeer camera;
    testsupport::RtpVideoPeer slides;
    testsupport::SippOptions call_options;
    call_options.scenario = "content_bfcp_until_bye.xml";
    call_options.target = "127.0.0.1:5060";
    call_options.service = "1234";
    call_options.timeout = 280s;
    call_options.extra_args = {"-key", "main_port",    std::to_string(camera.port()),
                               "-key", "content_port", std::to_string(slides.port())};
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

    const std::regex ports(
        R"(media: sess=(\S+) content line local=([0-9.]+):(\d+) peer=\S+ codec=VP8 \(main video local=[0-9.]+:(\d+)\))");
    ASSERT_TRUE(log.wait_for_log(ports, 60s)) << log.tail(40);
    std::smatch m;
    const std::string text = log.log();
    ASSERT_TRUE(std::regex_search(text, m, ports));
    const std::string id = m[1];
    const std::string gw_address = m[2];
    const auto content_port = static_cast<uint16_t>(std::stoul(m[3]));
    const auto video_port = static_cast<uint16_t>(std::stoul(m[4]));
    camera.start(gw_address, video_port, "green");
    const std::regex floor_line(
        "bfcp: sess=" + id +
        R"( floor control on UDP/BFCP port=(\d+) floor=1 confid=(\d+) userid=(\d+))");
    ASSERT_TRUE(log.wait_for_log(floor_line, 30s)) << log.tail(40);
    const std::string floor_text = log.log();
    ASSERT_TRUE(std::regex_search(floor_text, m, floor_line));
    const auto room_user = static_cast<uint16_t>(std::stoul(m[3]));
    testsupport::BfcpClient button(testsupport::BfcpClient::Transport::Udp, gw_address,
                                   static_cast<uint16_t>(std::stoul(m[1])),
                                   static_cast<uint32_t>(std::stoul(m[2])), room_user);
    ASSERT_TRUE(button.ok());
    ASSERT_TRUE(log.wait_for_log(std::regex("sess=" + id + " state joining -> in_call"), 90s))
        << log.tail(80);

    // Room → meeting: the room takes the floor and sends its slides; the page shares them as
    // "Room (content)".
    slides.start(gw_address, content_port, "blue");
    button.hello();
    button.request_floor(1);
    ASSERT_TRUE(run_until([&] { return button.state_of(1) == BFCP_GRANTED; }, 30s));
    EXPECT_TRUE(log.wait_for_log(
        std::regex("sess=" + id + R"( content to the meeting started \(the room sends content\))"),
        60s))
        << log.tail(60);
    browser::Json feeds = poll_evaluate(
        *observer_, "__obsFeeds()",
        [](const browser::Json& f) { return has_feed(f, true, blue) && has_feed(f, false, green); },
        90s);
    // The page chose between forwarding the slides encoded into the share and re-encoding them
    // (docs/content.md, "Content media"), and said which: with this room's VP8 camera holding
    // the page's VP8 number on the link, it re-encodes and says why.
    EXPECT_TRUE(log.wait_for_log(
        std::regex(
            "sess=" + id +
            R"( (room content forwarded encoded into the meeting \(video/VP8|content forwarding: off \(.+\): room content re-encoded by the page))"),
        30s))
        << log.tail(60);
    std::string content_metrics;
    if (const auto metrics = testsupport::http_request(8080, "GET", "/metrics"); metrics.ok()) {
        std::istringstream lines(metrics->body);
        for (std::string line; std::getline(lines, line);)
            if (line.find("media=\"content\"") != std::string::npos) content_metrics += line + "\n";
    }
    EXPECT_TRUE(has_feed(feeds, true, blue) && has_feed(feeds, false, green))
        << "the observer sees: " << feeds_text(feeds) << "\n"
        << content_metrics << log.tail(60);

    // The room releases the floor: the share leaves the meeting (the slides still flow), the
    // camera stays.
    button.release_floor(1);
    ASSERT_TRUE(run_until([&] { return button.state_of(1) == BFCP_RELEASED; }, 30s));
    EXPECT_TRUE(log.wait_for_log(
        std::regex("sess=" + id +
                   R"( content to the meeting stopped \(the room released the floor\))"),
        60s))
        << log.tail(60);
    feeds = poll_evaluate(
        *observer_, "__obsFeeds()",
        [](const browser::Json& f) {
            return !has_feed(f, true, blue) && has_feed(f, false, green);
        },
        60s);
    EXPECT_FALSE(has_feed(feeds, true, blue)) << "still shared: " << feeds_text(feeds);

    // Meeting → room: another participant shares (magenta); the room's content line decodes it.
    slides.start(gw_address, content_port, "");
    const int before = slides.frames();
    browser::PageOptions po;
    auto share_page = open_page(*observer_browser_, po);
    ASSERT_TRUE(share_page);
    // A loaded host may take longer than the default 30 s to load the demo page.
    const auto loaded = navigate(*share_page, gw->page_url(), 90s);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    ASSERT_TRUE(evaluate(*share_page, e2e::kSharePublisher).ok());
    const auto state = poll_evaluate(
        *share_page, "__share.state", [](const browser::Json& s) { return s != "starting"; }, 90s);
    ASSERT_EQ(state, "up") << state.dump();
    EXPECT_TRUE(log.wait_for_log(
        std::regex("sess=" + id + R"( content to the room started \(a share in the meeting\))"),
        60s))
        << log.tail(60);
    // The room is told who presents: the gateway's own user (the room's plus one) holds floor 1.
    EXPECT_TRUE(run_until(
        [&] {
            const auto st = button.last_floor_status();
            return st && st->floor_id == 1 && st->state == BFCP_GRANTED &&
                   st->beneficiary == room_user + 1;
        },
        60s))
        << log.tail(40);
    EXPECT_TRUE(testsupport::wait_until(
        [&] { return slides.frames() >= before + 15 && magenta(slides.last_colour()); }, 90s))
        << "content line: " << slides.frames() - before << " frames, last colour ("
        << slides.last_colour().r << "," << slides.last_colour().g << "," << slides.last_colour().b
        << ")";

    ASSERT_TRUE(evaluate(*share_page, "__shareStop()").ok());
    EXPECT_TRUE(log.wait_for_log(
        std::regex("sess=" + id + R"( content to the room stopped \(the meeting's share ended\))"),
        60s))
        << log.tail(60);
    // The floor is free again (a FloorStatus without request information).
    EXPECT_TRUE(run_until(
        [&] {
            const auto st = button.last_floor_status();
            return st && st->floor_id == 1 && st->request_id == 0;
        },
        60s))
        << log.tail(40);

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

// A caller without a content line (docs/content.md, "Meeting → room"): a share in the meeting
// becomes its main picture (the large tile of the speaker layout) while it lasts, and nothing
// is sent for a content line. The observer's own picture changes colour all the time, so only
// a held magenta centre (many consecutive frames) is the share.
TEST_F(MeetingContentTest, WithoutAContentLineTheMeetingShareIsTheMainPicture) {
    testsupport::TempDir tmp("meeting-share-main");
    auto gw = e2e::DemoGateway::start(tmp.path());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();
    ASSERT_TRUE(join_observer(*gw));

    testsupport::RtpVideoPeer camera;
    const auto gwport_file = tmp.path() / "gateway-video-port";
    testsupport::SippOptions call_options;
    call_options.scenario = "video_until_bye.xml";
    call_options.target = "127.0.0.1:5060";
    call_options.service = "1234";
    call_options.timeout = 280s;
    call_options.extra_args = {"-key", "main_port",   std::to_string(camera.port()),
                               "-key", "gwport_file", gwport_file.string()};
    auto call = std::async(std::launch::async,
                           [&] { return testsupport::run_sipp(tmp.path(), call_options); });
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
    const std::string text = log.log();
    ASSERT_TRUE(std::regex_search(text, m, joined));
    const std::string id = m[1];
    EXPECT_TRUE(log.wait_for_log(
        std::regex("media: sess=" + id + " started mode=bridge .* content=- "), 30s))
        << log.tail(40);
    // The meeting reaches the caller before anyone shares.
    ASSERT_TRUE(testsupport::wait_until([&] { return camera.frames() >= 30; }, 90s))
        << "frames at the caller: " << camera.frames() << "\n"
        << log.tail(40);

    // The control: before the share, the centre is not held magenta (2 s of frames).
    camera.watch_centre(magenta);
    const int before = camera.frames();
    ASSERT_TRUE(testsupport::wait_until([&] { return camera.frames() >= before + 60; }, 90s));
    EXPECT_LT(camera.centre_run(), 45);
    browser::PageOptions po;
    auto share_page = open_page(*observer_browser_, po);
    ASSERT_TRUE(share_page);
    // A loaded host may take longer than the default 30 s to load the demo page.
    const auto loaded = navigate(*share_page, gw->page_url(), 90s);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    ASSERT_TRUE(evaluate(*share_page, e2e::kSharePublisher).ok());
    const auto state = poll_evaluate(
        *share_page, "__share.state", [](const browser::Json& s) { return s != "starting"; }, 90s);
    ASSERT_EQ(state, "up") << state.dump();
    EXPECT_TRUE(
        log.wait_for_log(std::regex("sess=" + id + R"( share started id=\S+ name="Slides")"), 60s))
        << log.tail(60);
    // 45 frames in a row: 1.5 s at 30 fps, where the observer's hue stays magenta for 0.2 s.
    EXPECT_TRUE(testsupport::wait_until([&] { return camera.centre_run() >= 45; }, 90s))
        << "the caller's picture centre: (" << camera.last_centre_colour().r << ","
        << camera.last_centre_colour().g << "," << camera.last_centre_colour().b << ")\n"
        << log.tail(40);
    EXPECT_EQ(log.log().find("sess=" + id + " content to the room started"), std::string::npos);

    // The share ends: the main picture is the observer's again.
    ASSERT_TRUE(evaluate(*share_page, "__shareStop()").ok());
    EXPECT_TRUE(
        log.wait_for_log(std::regex("sess=" + id + R"( share ended id=\S+ name="Slides")"), 60s))
        << log.tail(60);
    EXPECT_TRUE(testsupport::wait_until(
        [&] { return camera.centre_run() == 0 && !magenta(camera.last_centre_colour()); }, 60s));

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
