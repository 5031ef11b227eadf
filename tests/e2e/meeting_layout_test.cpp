// The meeting view a room sees, proven in the caller's decoded pictures (docs/content.md,
// "Meeting view"): in the demo room with the observer (an animated canvas whose hue turns, never
// dark), a second publisher "Slides (content)" from the observer's browser (solid magenta) is a
// share: the gateway logs it and the caller sees it as the speaker view's main picture over the
// observer's thumbnail; the layout key `5` switches to the grid (share left, observer right,
// dark bands above and below); unpublished, the share leaves and the observer alone fills the
// picture again. Positions are read as fractions of the picture, so any size the caller decodes
// will do.
#include "meeting_fixture.hpp"
#include "private_network.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace {

using namespace std::chrono_literals;

bool dark(const e2e::Rgb& c) {
    return c.r < 45 && c.g < 45 && c.b < 45;
}
bool magenta(const e2e::Rgb& c) {
    return c.r > 170 && c.g < 90 && c.b > 170;
}
std::string str(const e2e::Rgb& c) {
    return "(" + std::to_string(c.r) + "," + std::to_string(c.g) + "," + std::to_string(c.b) + ")";
}

class MeetingLayoutTest : public e2e::MeetingFixture {};

// The share published by an independent participant becomes the main picture the caller
// decodes, the layout key switches speaker -> grid, and the picture goes back when the share
// ends (docs/content.md, "Meeting view").
TEST_F(MeetingLayoutTest, ShareIsTheMainPictureAndTheLayoutKeySwitchesToTheGrid) {
    testsupport::TempDir tmp("meeting-layout");
    auto gw = e2e::DemoGateway::start(tmp.path());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();
    ASSERT_TRUE(join_observer(*gw));

    testsupport::BaresipOptions keypad;  // telephone-event/8000 needs an 8 kHz audio codec
    keypad.audio_codecs = "PCMU";
    auto caller = testsupport::BaresipPeer::start(tmp.path(), keypad);
    ASSERT_TRUE(caller.ok()) << caller.error().message;
    ASSERT_TRUE((*caller)->dial("sip:1234@127.0.0.1:5060").ok());
    ASSERT_TRUE((*caller)->wait_established(30s)) << log.tail();
    ASSERT_TRUE(log.wait_for_log(std::regex("state joining -> in_call"), 90s)) << log.tail(80);
    const auto seen = caller_sees(**caller, tmp.path());
    ASSERT_GT(seen.luma_stddev, 4) << "the caller sees no picture of the meeting";

    // The share: a second publisher from the observer's browser.
    browser::PageOptions po;
    auto share_page = open_page(*observer_browser_, po);
    ASSERT_TRUE(share_page);
    ASSERT_TRUE(navigate(*share_page, gw->page_url()).ok());
    ASSERT_TRUE(evaluate(*share_page, e2e::kSharePublisher).ok());
    const auto state = poll_evaluate(
        *share_page, "__share.state", [](const browser::Json& s) { return s != "starting"; }, 90s);
    ASSERT_EQ(state, "up") << state.dump();
    EXPECT_TRUE(log.wait_for_log(std::regex(R"(share started id=\d+ name="Slides")"), 60s))
        << log.tail(60);

    // Speaker view: the share is the main picture (magenta at the top centre), the observer a
    // thumbnail in the strip below it (neither dark nor magenta).
    std::string last;
    const auto speaker_with_share = [&](const std::filesystem::path& png) {
        auto main = e2e::png_colour_at(png, 0.5, 0.1);
        auto thumb = e2e::png_colour_at(png, 0.5, 0.875);
        if (!main || !thumb) return false;
        last = "main " + str(*main) + " strip " + str(*thumb);
        return magenta(*main) && !dark(*thumb) && !magenta(*thumb);
    };
    EXPECT_TRUE(caller_picture_until(**caller, tmp.path(), speaker_with_share, 90s)) << last;

    // `5`: the grid, the share first (left), the observer right, dark bands above them.
    ASSERT_TRUE((*caller)->ctrl().command("sndcode", "5"));
    EXPECT_TRUE(log.wait_for_log(std::regex("action=layout layout=grid"), 30s)) << log.tail(40);
    const auto grid_with_share = [&](const std::filesystem::path& png) {
        auto left = e2e::png_colour_at(png, 0.25, 0.5);
        auto right = e2e::png_colour_at(png, 0.75, 0.5);
        auto top = e2e::png_colour_at(png, 0.5, 0.1);
        if (!left || !right || !top) return false;
        last = "left " + str(*left) + " right " + str(*right) + " top " + str(*top);
        return magenta(*left) && !dark(*right) && !magenta(*right) && dark(*top);
    };
    EXPECT_TRUE(caller_picture_until(**caller, tmp.path(), grid_with_share, 60s)) << last;

    // Unpublished: the share leaves; the observer alone fills the picture (no dark bands).
    ASSERT_TRUE(evaluate(*share_page, "__shareStop()").ok());
    EXPECT_TRUE(log.wait_for_log(std::regex(R"(share ended id=\d+ name="Slides")"), 60s))
        << log.tail(60);
    const auto observer_alone = [&](const std::filesystem::path& png) {
        auto top = e2e::png_colour_at(png, 0.5, 0.1);
        auto left = e2e::png_colour_at(png, 0.25, 0.5);
        if (!top || !left) return false;
        last = "top " + str(*top) + " left " + str(*left);
        return !dark(*top) && !dark(*left);
    };
    EXPECT_TRUE(caller_picture_until(**caller, tmp.path(), observer_alone, 60s)) << last;

    ASSERT_TRUE((*caller)->ctrl().command("sndcode", "0"));
    EXPECT_TRUE((*caller)->wait_closed(30s)) << "`0` did not hang up";
    share_page.reset();
    leave_observer();
    EXPECT_TRUE(gw->terminate()) << log.tail(40);
    const std::string left = gw->browsers_left(30s);
    EXPECT_TRUE(left.empty()) << left;
}

}  // namespace
