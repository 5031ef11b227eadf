// What the content sharing e2e tests (meeting_content*_test.cpp, docs/content.md) share: a room
// whose signalling is sipp's (in the background until the gateway's BYE) and whose media is the
// test's own sockets, what the gateway's log says of its content line and floor control, libre's
// BFCP client as its content button, the colours its sockets and the observer see, and share
// pages published into the meeting by another participant.
#pragma once

#include "meeting_fixture.hpp"
#include "support/bfcp_client.hpp"
#include "support/program.hpp"
#include "support/rtp_video_peer.hpp"
#include "support/sipp.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace e2e {

bool magenta(const testsupport::MeanColour& c);

// The observer's feeds (__obsFeeds(): name, share, mean r, g, b) by colour.
bool blue_feed(const browser::Json& f);
bool green_feed(const browser::Json& f);
// The observer's remote feeds as "name share (r,g,b); ..." for messages.
std::string feeds_text(const browser::Json& feeds);
// Whether the observer has a feed that is (or is not) a share, of the colour `colour` accepts.
bool has_feed(const browser::Json& feeds, bool share, bool (*colour)(const browser::Json&));
// The observer's feed that is the room's camera (not a share, green), or null.
browser::Json camera_feed(const browser::Json& feeds);

// A room's call to room 1234 of the demo with `scenario`, its keys in `extra_args`; sipp gives up
// after 280 s of its own (within ctest's 300 s).
testsupport::SippOptions room_call_options(const std::string& scenario,
                                           std::vector<std::string> extra_args);

// That call, run by sipp in the background from construction. A test that stops early ends the
// gateway first (its BYE ends sipp), or the destructor would wait for sipp's own timeout.
class RoomCall {
public:
    RoomCall(DemoGateway& gw, std::filesystem::path dir, testsupport::SippOptions options);
    ~RoomCall();
    RoomCall(const RoomCall&) = delete;
    RoomCall& operator=(const RoomCall&) = delete;

    // The gateway stops with exit status 0, sipp's call ends with it (exit 0), and no browser
    // of the gateway is left.
    void finish();

private:
    DemoGateway& gw_;
    std::filesystem::path dir_;
    testsupport::SippOptions options_;
    bool finished_ = false;
    // Last: sipp reads the members above.
    std::future<core::Result<testsupport::SippRun>> call_;
};

// The room's content line as the gateway logs it (waited for up to 60 s) for the session that
// `id` (a regex) matches; nullopt, with a test failure, when it does not come.
struct ContentLine {
    std::string id;
    std::string address;  // the gateway's, for every line of the call
    uint16_t content_port = 0;
    uint16_t video_port = 0;
};
std::optional<ContentLine> content_line(testsupport::Program& log,
                                        const std::string& id = R"(\S+)");

// The room's content button: libre's BFCP client to the floor control the gateway logs for
// session `id` (waited for up to 30 s); `client` is null, with a test failure, when it is not
// logged.
struct RoomButton {
    std::unique_ptr<testsupport::BfcpClient> client;
    uint16_t user = 0;  // the room's user id; the gateway's own is the next one
};
RoomButton room_button(testsupport::Program& log, const std::string& id,
                       const std::string& address);

// The latest FloorStatus says that the gateway (the room's user id plus one) holds floor 1.
bool gateway_holds_floor(const testsupport::BfcpClient& button, uint16_t room_user);
// The latest FloorStatus says that floor 1 is free (no request information).
bool floor_free(const testsupport::BfcpClient& button);

// The gateway's address and main video port, as the scenario wrote them into `file` (its
// gwport_file, waited for up to 60 s); nullopt, with a test failure, when they do not come.
struct GatewayVideo {
    std::string address;
    uint16_t port = 0;
};
std::optional<GatewayVideo> gateway_video(const std::filesystem::path& file,
                                          testsupport::Program& log);

// The session of the call that got into the meeting (waited for up to 90 s); empty, with a test
// failure, when none did.
std::string joined_session(testsupport::Program& log);

// A room that calls with a content line and UDP/BFCP (content_bfcp_until_bye.xml, or
// `scenario` with more keys in `extra_args`): its camera sends green once the gateway logged the
// content line, its slides' socket waits for a start, its button (not said Hello yet) is ready,
// and the call got into the meeting.
struct BfcpRoom {
    BfcpRoom(DemoGateway& gw, const std::filesystem::path& dir,
             const std::string& scenario = "content_bfcp_until_bye.xml",
             std::vector<std::string> extra_args = {});
    // False, with a test failure, when a step above did not happen.
    [[nodiscard]] bool in_meeting() const {
        return line && floor.client && floor.client->ok() && joined;
    }
    [[nodiscard]] testsupport::BfcpClient& button() { return *floor.client; }

    testsupport::RtpVideoPeer camera;
    testsupport::RtpVideoPeer slides;
    RoomCall call;
    std::optional<ContentLine> line;
    RoomButton floor;
    bool joined = false;
};

// A room that calls with `scenario`, which writes where the gateway's SDP wants its video into
// gwport_file (more keys in `extra_args`): its camera sends green there, and the call got into
// the meeting.
struct SdpRoom {
    SdpRoom(DemoGateway& gw, const std::filesystem::path& dir, const std::string& scenario,
            std::vector<std::string> extra_args);
    // False, with a test failure, when a step above did not happen.
    [[nodiscard]] bool in_meeting() const { return video && !id.empty(); }

    testsupport::RtpVideoPeer camera;
    std::filesystem::path gwport_file;
    RoomCall call;
    std::optional<GatewayVideo> video;
    std::string id;  // the call's session
};

// The gateway says that a share in the meeting goes to the room's content line, within
// `timeout`.
bool content_to_room_started(testsupport::Program& log, const std::string& id,
                             std::chrono::seconds timeout);

// The room's content line receives from the gateway (after `line`); the frames it had so far.
int receive_content(testsupport::RtpVideoPeer& slides, const ContentLine& line);

// At least 15 frames on the content line since it had `before`, the last of them satisfying
// `accept`, within 90 s; the failure says how many came and the last one's colour.
::testing::AssertionResult content_shows(const testsupport::RtpVideoPeer& line, int before,
                                         bool (*accept)(const testsupport::MeanColour&));

class MeetingContentFixture : public MeetingFixture {
protected:
    // The gateway goes before the base class checks that no browser is left.
    void TearDown() override {
        gw_.reset();
        tmp_.reset();
        MeetingFixture::TearDown();
    }

    // The demo started in a directory of its own (named after `name`) and the observer in its
    // meeting; false, with a test failure, when either did not start.
    bool start_demo(const std::string& name) {
        tmp_.emplace(name);
        auto gw = DemoGateway::start(tmp_->path());
        if (!gw.ok()) {
            ADD_FAILURE() << gw.error().message;
            return false;
        }
        gw_.emplace(std::move(*gw));
        return join_observer(*gw_);
    }

    // The observer's remote feeds once accept(feeds) holds (or the last ones at the deadline).
    browser::Json observer_feeds(const std::function<bool(const browser::Json&)>& accept,
                                 std::chrono::seconds timeout) {
        return poll_evaluate(*observer_, "__obsFeeds()", accept, timeout);
    }

    // A page in the observer's browser that runs `js` (kSharePublisher: "Slides (content)" in
    // magenta); null, with a test failure, when it cannot load or run it.
    std::unique_ptr<browser::Page> open_share(const DemoGateway& gw,
                                              const std::string& js = kSharePublisher) {
        browser::PageOptions po;
        auto page = open_page(*observer_browser_, po);
        if (!page) return nullptr;
        // A loaded host may take longer than the default 30 s to load the demo page. Once
        // (one CI run in dozens) its load event never came, with every request the server saw
        // answered: say what the page had, and load it once more as a user would.
        auto loaded = navigate(*page, gw.page_url(), 90s);
        if (!loaded.ok()) {
            const auto seen =
                evaluate(*page,
                         "JSON.stringify({state: document.readyState, loaded: performance."
                         "getEntriesByType('resource').map((e) => e.name.replace(/^.*\\//, ''))})");
            std::fprintf(stderr, "share: %s; the page had %s; loading it again\n",
                         loaded.error().message.c_str(),
                         seen.ok() ? seen->dump().c_str() : seen.error().message.c_str());
            loaded = navigate(*page, gw.page_url(), 90s);
        }
        if (!loaded.ok()) {
            ADD_FAILURE() << "share: " << loaded.error().message;
            return nullptr;
        }
        if (const auto run = evaluate(*page, js); !run.ok()) {
            ADD_FAILURE() << "share: " << run.error().message;
            return nullptr;
        }
        return page;
    }

    // open_share(), once its publisher is up; null, with a test failure, when it fails.
    std::unique_ptr<browser::Page> share(const DemoGateway& gw,
                                         const std::string& js = kSharePublisher) {
        auto page = open_share(gw, js);
        if (!page) return nullptr;
        const auto state = poll_evaluate(
            *page, "__share.state", [](const browser::Json& s) { return s != "starting"; }, 90s);
        if (state != "up") {
            ADD_FAILURE() << "share: " << state.dump();
            return nullptr;
        }
        return page;
    }

    // Room → meeting: the room sends blue slides on its content line and takes floor 1, and the
    // gateway says the content goes to the meeting; false, with a test failure, when the floor
    // is not granted.
    bool room_presents(testsupport::RtpVideoPeer& slides, testsupport::BfcpClient& button,
                       const ContentLine& line, testsupport::Program& log) {
        slides.start(line.address, line.content_port, "blue");
        button.hello();
        button.request_floor(1);
        if (!run_until([&] { return button.state_of(1) == BFCP_GRANTED; }, 30s)) {
            ADD_FAILURE() << "the room's floor request was not granted\n" << log.tail(40);
            return false;
        }
        EXPECT_TRUE(log.wait_for_log(
            std::regex("sess=" + line.id +
                       R"( content to the meeting started \(the room sends content\))"),
            60s))
            << log.tail(60);
        return true;
    }

    // The observer leaves, then call.finish().
    void leave_and_finish(RoomCall& call) {
        leave_observer();
        call.finish();
    }

    std::optional<testsupport::TempDir> tmp_;
    std::optional<DemoGateway> gw_;
};

}  // namespace e2e
