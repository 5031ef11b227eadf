#include "meeting_content.hpp"

#include "support/wait.hpp"

#include <fstream>
#include <iterator>

namespace e2e {
namespace {

// The groups of the first log line that matches `re` (waited for up to `timeout`); nullopt, with
// a test failure saying `what` is missing, when none comes.
std::optional<std::vector<std::string>> logged(testsupport::Program& log, const std::regex& re,
                                               std::chrono::seconds timeout, const char* what,
                                               std::size_t tail) {
    std::smatch m;
    std::string text;
    if (log.wait_for_log(re, timeout)) text = log.log();
    if (!std::regex_search(text, m, re)) {
        ADD_FAILURE() << what << "\n" << log.tail(tail);
        return std::nullopt;
    }
    return std::vector<std::string>(m.begin(), m.end());
}

}  // namespace

bool magenta(const testsupport::MeanColour& c) {
    return c.r > 150 && c.g < 110 && c.b > 150;
}

bool blue_feed(const browser::Json& f) {
    return f.value("b", 0) > 150 && f.value("r", 0) < 90 && f.value("g", 0) < 90;
}

bool green_feed(const browser::Json& f) {
    return f.value("g", 0) > 150 && f.value("r", 0) < 90 && f.value("b", 0) < 90;
}

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

bool has_feed(const browser::Json& feeds, bool share, bool (*colour)(const browser::Json&)) {
    if (!feeds.is_array()) return false;
    for (const auto& f : feeds)
        if (f.value("share", false) == share && colour(f)) return true;
    return false;
}

browser::Json camera_feed(const browser::Json& feeds) {
    if (feeds.is_array())
        for (const auto& f : feeds)
            if (!f.value("share", false) && green_feed(f)) return f;
    return nullptr;
}

testsupport::SippOptions room_call_options(const std::string& scenario,
                                           std::vector<std::string> extra_args) {
    testsupport::SippOptions o;
    o.scenario = scenario;
    o.target = "127.0.0.1:5060";
    o.service = "1234";
    o.timeout = std::chrono::seconds(280);
    o.extra_args = std::move(extra_args);
    return o;
}

RoomCall::RoomCall(DemoGateway& gw, std::filesystem::path dir, testsupport::SippOptions options)
    : gw_(gw),
      dir_(std::move(dir)),
      options_(std::move(options)),
      call_(std::async(std::launch::async,
                       [this] { return testsupport::run_sipp(dir_, options_); })) {}

RoomCall::~RoomCall() {
    if (!finished_) (void)gw_.terminate();
}

void RoomCall::finish() {
    EXPECT_TRUE(gw_.terminate()) << gw_.program().tail(40);
    finished_ = true;
    auto r = call_.get();
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->exit_code, 0) << r->messages;
    const std::string left = gw_.browsers_left(std::chrono::seconds(30));
    EXPECT_TRUE(left.empty()) << left;
}

std::optional<ContentLine> content_line(testsupport::Program& log, const std::string& id) {
    const auto m = logged(
        log,
        std::regex(
            "media: sess=(" + id +
            R"() content line local=([0-9.]+):(\d+) peer=\S+ codec=VP8 \(main video local=[0-9.]+:(\d+)\))"),
        std::chrono::seconds(60), "no content line in the log", 40);
    if (!m) return std::nullopt;
    return ContentLine{(*m)[1], (*m)[2], static_cast<uint16_t>(std::stoul((*m)[3])),
                       static_cast<uint16_t>(std::stoul((*m)[4]))};
}

RoomButton room_button(testsupport::Program& log, const std::string& id,
                       const std::string& address) {
    const auto m = logged(
        log,
        std::regex("bfcp: sess=" + id +
                   R"( floor control on UDP/BFCP port=(\d+) floor=1 confid=(\d+) userid=(\d+))"),
        std::chrono::seconds(30), "no floor control in the log", 40);
    if (!m) return {};
    RoomButton b;
    b.user = static_cast<uint16_t>(std::stoul((*m)[3]));
    b.client = std::make_unique<testsupport::BfcpClient>(
        testsupport::BfcpClient::Transport::Udp, address,
        static_cast<uint16_t>(std::stoul((*m)[1])), static_cast<uint32_t>(std::stoul((*m)[2])),
        b.user);
    return b;
}

bool gateway_holds_floor(const testsupport::BfcpClient& button, uint16_t room_user) {
    const auto st = button.last_floor_status();
    return st && st->floor_id == 1 && st->state == BFCP_GRANTED && st->beneficiary == room_user + 1;
}

bool floor_free(const testsupport::BfcpClient& button) {
    const auto st = button.last_floor_status();
    return st && st->floor_id == 1 && st->request_id == 0;
}

std::optional<GatewayVideo> gateway_video(const std::filesystem::path& file,
                                          testsupport::Program& log) {
    GatewayVideo out;
    const bool written = testsupport::wait_until(
        [&] {
            std::ifstream in(file);
            int port = 0;
            if (!(in >> out.address >> port) || port <= 0) return false;
            out.port = static_cast<uint16_t>(port);
            return true;
        },
        std::chrono::seconds(60));
    if (!written) {
        ADD_FAILURE() << "no gateway address in " << file << "\n" << log.tail(40);
        return std::nullopt;
    }
    return out;
}

std::string joined_session(testsupport::Program& log) {
    const auto m = logged(log, std::regex(R"(sess=(\S+) state joining -> in_call)"),
                          std::chrono::seconds(90), "the call did not get into the meeting", 80);
    return m ? (*m)[1] : std::string();
}

namespace {

std::vector<std::string> with(std::vector<std::string> args, std::vector<std::string> more) {
    args.insert(args.end(), std::make_move_iterator(more.begin()),
                std::make_move_iterator(more.end()));
    return args;
}

}  // namespace

BfcpRoom::BfcpRoom(DemoGateway& gw, const std::filesystem::path& dir, const std::string& scenario,
                   std::vector<std::string> extra_args)
    : call(gw, dir,
           room_call_options(scenario, with({"-key", "main_port", std::to_string(camera.port()),
                                             "-key", "content_port", std::to_string(slides.port())},
                                            std::move(extra_args)))),
      line(content_line(gw.program())) {
    if (!line) return;
    camera.start(line->address, line->video_port, "green");
    auto& log = gw.program();
    floor = room_button(log, line->id, line->address);
    if (!floor.client || !floor.client->ok()) {
        ADD_FAILURE() << "the room's BFCP client did not start";
        return;
    }
    joined = log.wait_for_log(std::regex("sess=" + line->id + " state joining -> in_call"),
                              std::chrono::seconds(90));
    if (!joined) ADD_FAILURE() << "the room did not get into the meeting\n" << log.tail(80);
}

SdpRoom::SdpRoom(DemoGateway& gw, const std::filesystem::path& dir, const std::string& scenario,
                 std::vector<std::string> extra_args)
    : gwport_file(dir / "gateway-video-port"),
      call(gw, dir,
           room_call_options(scenario, with({"-key", "main_port", std::to_string(camera.port()),
                                             "-key", "gwport_file", gwport_file.string()},
                                            std::move(extra_args)))),
      video(gateway_video(gwport_file, gw.program())) {
    if (!video) return;
    camera.start(video->address, video->port, "green");
    id = joined_session(gw.program());
}

bool content_to_room_started(testsupport::Program& log, const std::string& id,
                             std::chrono::seconds timeout) {
    return log.wait_for_log(
        std::regex("sess=" + id + R"( content to the room started \(a share in the meeting\))"),
        timeout);
}

int receive_content(testsupport::RtpVideoPeer& slides, const ContentLine& line) {
    slides.start(line.address, line.content_port, "");
    return slides.frames();
}

::testing::AssertionResult content_shows(const testsupport::RtpVideoPeer& line, int before,
                                         bool (*accept)(const testsupport::MeanColour&)) {
    if (testsupport::wait_until(
            [&] { return line.frames() >= before + 15 && accept(line.last_colour()); },
            std::chrono::seconds(90)))
        return ::testing::AssertionSuccess();
    const auto c = line.last_colour();
    return ::testing::AssertionFailure()
           << "content line: " << line.frames() - before << " frames, last colour (" << c.r << ","
           << c.g << "," << c.b << ")";
}

}  // namespace e2e
