// Two sharers in the meeting, one after the other (issue 14, docs/content.md, "Two sharers"): a
// room with a content line and UDP/BFCP (sipp's signalling, the test's own sockets, libre's
// BFCP client) is in the demo's Janus room. A participant shares (magenta): the room's content
// line shows it. A second one shares (cyan): the latest sharer wins, the content line shows
// cyan and the floor stays with the gateway. The second stops: the first one's share, still on,
// is back on the content line. The first stops: the floor is free again.
#include "meeting_fixture.hpp"
#include "private_network.hpp"
#include "support/bfcp_client.hpp"
#include "support/rtp_video_peer.hpp"
#include "support/sipp.hpp"

#include <gtest/gtest.h>

#include <future>
#include <iterator>
#include <regex>

namespace {

using namespace std::chrono_literals;

bool magenta(const testsupport::MeanColour& c) {
    return c.r > 150 && c.g < 110 && c.b > 150;
}
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

class MeetingContentSharersTest : public e2e::MeetingFixture {
protected:
    // A share page in the observer's browser, publishing `js` until it is up.
    std::unique_ptr<browser::Page> share(const e2e::DemoGateway& gw, const std::string& js) {
        browser::PageOptions po;
        auto page = open_page(*observer_browser_, po);
        if (!page) return nullptr;
        // A loaded host may take longer than the default 30 s to load the demo page.
        if (!navigate(*page, gw.page_url(), 90s).ok() || !evaluate(*page, js).ok()) return nullptr;
        const auto state = poll_evaluate(
            *page, "__share.state", [](const browser::Json& s) { return s != "starting"; }, 90s);
        if (state != "up") {
            ADD_FAILURE() << "share: " << state.dump();
            return nullptr;
        }
        return page;
    }
};

TEST_F(MeetingContentSharersTest, TheLatestSharerIsOnTheContentLineThenTheEarlierOne) {
    testsupport::TempDir tmp("meeting-content-sharers");
    auto gw = e2e::DemoGateway::start(tmp.path());
    ASSERT_TRUE(gw.ok()) << gw.error().message;
    auto& log = gw->program();
    ASSERT_TRUE(join_observer(*gw));

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
    std::string text = log.log();
    ASSERT_TRUE(std::regex_search(text, m, ports));
    const std::string id = m[1];
    const std::string gw_address = m[2];
    const auto content_port = static_cast<uint16_t>(std::stoul(m[3]));
    camera.start(gw_address, static_cast<uint16_t>(std::stoul(m[4])), "green");
    slides.start(gw_address, content_port, "");
    const std::regex floor_line(
        "bfcp: sess=" + id +
        R"( floor control on UDP/BFCP port=(\d+) floor=1 confid=(\d+) userid=(\d+))");
    ASSERT_TRUE(log.wait_for_log(floor_line, 30s)) << log.tail(40);
    text = log.log();
    ASSERT_TRUE(std::regex_search(text, m, floor_line));
    const auto room_user = static_cast<uint16_t>(std::stoul(m[3]));
    testsupport::BfcpClient button(testsupport::BfcpClient::Transport::Udp, gw_address,
                                   static_cast<uint16_t>(std::stoul(m[1])),
                                   static_cast<uint32_t>(std::stoul(m[2])), room_user);
    ASSERT_TRUE(button.ok());
    button.hello();
    ASSERT_TRUE(log.wait_for_log(std::regex("sess=" + id + " state joining -> in_call"), 90s))
        << log.tail(80);
    const auto gateway_holds = [&] {
        const auto st = button.last_floor_status();
        return st && st->floor_id == 1 && st->state == BFCP_GRANTED &&
               st->beneficiary == room_user + 1;
    };
    // 15 more frames on the content line, the last of them satisfying `accept`.
    const auto content_shows = [&](bool (*accept)(const testsupport::MeanColour&)) {
        const int before = slides.frames();
        return testsupport::wait_until(
            [&] { return slides.frames() >= before + 15 && accept(slides.last_colour()); }, 90s);
    };
    const auto colour = [&] {
        const auto c = slides.last_colour();
        return "content line: last colour (" + std::to_string(c.r) + "," + std::to_string(c.g) +
               "," + std::to_string(c.b) + ")\n" + log.tail(40);
    };

    auto first = share(*gw, share_publisher("#ff00ff", "Slides (content)"));
    ASSERT_TRUE(first);
    EXPECT_TRUE(log.wait_for_log(
        std::regex("sess=" + id + R"( content to the room started \(a share in the meeting\))"),
        60s))
        << log.tail(60);
    EXPECT_TRUE(run_until(gateway_holds, 60s)) << log.tail(40);
    EXPECT_TRUE(content_shows(magenta)) << colour();

    // The second sharer wins the content line; the floor stays with the gateway.
    auto second = share(*gw, share_publisher("#00ffff", "Notes (content)"));
    ASSERT_TRUE(second);
    EXPECT_TRUE(
        log.wait_for_log(std::regex("sess=" + id + R"( share started id=\S+ name="Notes")"), 60s))
        << log.tail(60);
    EXPECT_TRUE(content_shows(cyan)) << colour() << "\n"
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
    EXPECT_TRUE(content_shows(magenta)) << colour();
    text = log.log();
    EXPECT_EQ(text.find("sess=" + id + " content to the room stopped"), std::string::npos)
        << log.tail(60);
    EXPECT_TRUE(gateway_holds()) << log.tail(40);

    // The first stops too: nothing to show, the floor is free.
    ASSERT_TRUE(evaluate(*first, "__shareStop()").ok());
    EXPECT_TRUE(log.wait_for_log(
        std::regex("sess=" + id + R"( content to the room stopped \(the meeting's share ended\))"),
        60s))
        << log.tail(60);
    EXPECT_TRUE(run_until(
        [&] {
            const auto st = button.last_floor_status();
            return st && st->floor_id == 1 && st->request_id == 0;
        },
        60s))
        << log.tail(40);

    second.reset();
    first.reset();
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
