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
#include "meeting_content.hpp"
#include "private_network.hpp"
#include "support/http_client.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace {

using namespace std::chrono_literals;
using e2e::blue_feed;
using e2e::feeds_text;
using e2e::green_feed;
using e2e::has_feed;
using e2e::magenta;

class MeetingContentTest : public e2e::MeetingContentFixture {};

TEST_F(MeetingContentTest, RoomContentIsASecondFeedAndTheMeetingShareReachesTheContentLine) {
    ASSERT_TRUE(start_demo("meeting-content"));
    auto& log = gw_->program();
    // The room's sockets exist before the INVITE names them.
    e2e::BfcpRoom room(*gw_, tmp_->path());
    ASSERT_TRUE(room.in_meeting());

    // Room → meeting: the room takes the floor and sends its slides; the page shares them as
    // "Room (content)".
    ASSERT_TRUE(room_presents(room.slides, room.button(), *room.line, log));
    const std::string& id = room.line->id;
    // The room's VP8 slides reach the page as they came: the gateway decodes none of them
    // (docs/content.md, "Content media"); the observer below still sees their colour.
    EXPECT_TRUE(log.wait_for_log(
        std::regex("media: sess=" + id +
                   R"( bridge: content track on the link \(the room's VP8 passed through)"),
        30s))
        << log.tail(60);
    auto& slides = room.slides;
    auto& button = room.button();
    browser::Json feeds = observer_feeds(
        [](const browser::Json& f) {
            return has_feed(f, true, blue_feed) && has_feed(f, false, green_feed);
        },
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
        for (std::string row; std::getline(lines, row);)
            if (row.find("media=\"content\"") != std::string::npos) content_metrics += row + "\n";
    }
    EXPECT_TRUE(has_feed(feeds, true, blue_feed) && has_feed(feeds, false, green_feed))
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
    feeds = observer_feeds(
        [](const browser::Json& f) {
            return !has_feed(f, true, blue_feed) && has_feed(f, false, green_feed);
        },
        60s);
    EXPECT_FALSE(has_feed(feeds, true, blue_feed)) << "still shared: " << feeds_text(feeds);

    // Meeting → room: another participant shares (magenta); the room's content line decodes it.
    const int before = e2e::receive_content(slides, *room.line);
    auto share_page = share(*gw_);
    ASSERT_TRUE(share_page);
    EXPECT_TRUE(e2e::content_to_room_started(log, id, 60s)) << log.tail(60);
    // The room is told who presents: the gateway's own user (the room's plus one) holds floor 1.
    EXPECT_TRUE(run_until([&] { return e2e::gateway_holds_floor(button, room.floor.user); }, 60s))
        << log.tail(40);
    EXPECT_TRUE(e2e::content_shows(slides, before, magenta));

    ASSERT_TRUE(evaluate(*share_page, "__shareStop()").ok());
    EXPECT_TRUE(log.wait_for_log(
        std::regex("sess=" + id + R"( content to the room stopped \(the meeting's share ended\))"),
        60s))
        << log.tail(60);
    // The floor is free again (a FloorStatus without request information).
    EXPECT_TRUE(run_until([&] { return e2e::floor_free(button); }, 60s)) << log.tail(40);

    share_page.reset();
    leave_and_finish(room.call);
}

// A caller without a content line (docs/content.md, "Meeting → room"): a share in the meeting
// becomes its main picture (the large tile of the speaker layout) while it lasts, and nothing
// is sent for a content line. The observer's own picture changes colour all the time, so only
// a held magenta centre (many consecutive frames) is the share.
TEST_F(MeetingContentTest, WithoutAContentLineTheMeetingShareIsTheMainPicture) {
    ASSERT_TRUE(start_demo("meeting-share-main"));
    auto& log = gw_->program();
    e2e::SdpRoom room(*gw_, tmp_->path(), "video_until_bye.xml", {});
    ASSERT_TRUE(room.in_meeting());
    const std::string& id = room.id;
    auto& camera = room.camera;
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
    auto share_page = share(*gw_);
    ASSERT_TRUE(share_page);
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
    leave_and_finish(room.call);
}

}  // namespace
