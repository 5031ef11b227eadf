// Two sharers in the meeting, one after the other (issue 14, docs/content.md, "Two sharers"): a
// room with a content line and UDP/BFCP (sipp's signalling, the test's own sockets, libre's
// BFCP client) is in the demo's Janus room. A participant shares (magenta): the room's content
// line shows it. A second one shares (cyan): the latest sharer wins, the content line shows
// cyan and the floor stays with the gateway. The second stops: the first one's share, still on,
// is back on the content line. The first stops: the floor is free again.
#include "meeting_content.hpp"
#include "private_network.hpp"

#include <gtest/gtest.h>

#include <iterator>
#include <regex>

namespace {

using namespace std::chrono_literals;
using e2e::magenta;

bool cyan(const testsupport::MeanColour& c) {
    return c.r < 110 && c.g > 150 && c.b > 150;
}

// kSharePublisher with another colour and display name.
std::string share_publisher(const std::string& colour, const std::string& name) {
    std::string js = e2e::kSharePublisher;
    js.replace(js.find("#ff00ff"), 7, colour);
    const std::string slides = "Slides (content)";
    js.replace(js.find(slides), slides.size(), name);
    return js;
}

class MeetingContentSharersTest : public e2e::MeetingContentFixture {};

TEST_F(MeetingContentSharersTest, TheLatestSharerIsOnTheContentLineThenTheEarlierOne) {
    ASSERT_TRUE(start_demo("meeting-content-sharers"));
    auto& log = gw_->program();
    e2e::BfcpRoom room(*gw_, tmp_->path());
    ASSERT_TRUE(room.in_meeting());
    (void)e2e::receive_content(room.slides, *room.line);
    room.button().hello();
    const std::string& id = room.line->id;
    auto& slides = room.slides;
    auto& button = room.button();
    const auto gateway_holds = [&] { return e2e::gateway_holds_floor(button, room.floor.user); };

    auto first = share(*gw_, share_publisher("#ff00ff", "Slides (content)"));
    ASSERT_TRUE(first);
    EXPECT_TRUE(e2e::content_to_room_started(log, id, 60s)) << log.tail(60);
    EXPECT_TRUE(run_until(gateway_holds, 60s)) << log.tail(40);
    EXPECT_TRUE(e2e::content_shows(slides, slides.frames(), magenta)) << log.tail(40);

    // The second sharer wins the content line; the floor stays with the gateway.
    auto second = share(*gw_, share_publisher("#00ffff", "Notes (content)"));
    ASSERT_TRUE(second);
    EXPECT_TRUE(
        log.wait_for_log(std::regex("sess=" + id + R"( share started id=\S+ name="Notes")"), 60s))
        << log.tail(60);
    EXPECT_TRUE(e2e::content_shows(slides, slides.frames(), cyan)) << log.tail(40) << "\n"
                                                                   << evaluate(*observer_, R"JS(
      Array.from(document.querySelectorAll('video')).map((v) => {
        const d = window.sipmediagwDescribeVideo ? window.sipmediagwDescribeVideo(v) : null;
        const t = v.srcObject && v.srcObject.getVideoTracks ? v.srcObject.getVideoTracks()[0] : null;
        return {id: v.id, share: d && d.share, hidden: d && d.hidden, name: d && d.name,
                track: t ? t.id + ' ' + t.readyState : null};
      }))JS")
                                                                          ->dump();

    // It stops: the first share, still on, is back.
    ASSERT_TRUE(evaluate(*second, "__shareStop()").ok());
    // Reported again: the meeting's share is the first one's once more.
    const std::regex slides_share("sess=" + id + R"( share started id=\S+ name="Slides")");
    EXPECT_TRUE(testsupport::wait_until(
        [&] {
            const std::string all = log.log();
            return std::distance(std::sregex_iterator(all.begin(), all.end(), slides_share),
                                 std::sregex_iterator()) >= 2;
        },
        60s))
        << log.tail(60);
    EXPECT_TRUE(e2e::content_shows(slides, slides.frames(), magenta)) << log.tail(40);
    const std::string text = log.log();
    EXPECT_EQ(text.find("sess=" + id + " content to the room stopped"), std::string::npos)
        << log.tail(60);
    EXPECT_TRUE(gateway_holds()) << log.tail(40);

    // The first stops too: nothing to show, the floor is free.
    ASSERT_TRUE(evaluate(*first, "__shareStop()").ok());
    EXPECT_TRUE(log.wait_for_log(
        std::regex("sess=" + id + R"( content to the room stopped \(the meeting's share ended\))"),
        60s))
        << log.tail(60);
    EXPECT_TRUE(run_until([&] { return e2e::floor_free(button); }, 60s)) << log.tail(40);

    second.reset();
    first.reset();
    leave_and_finish(room.call);
}

}  // namespace
