// The compositor's layouts in a real Chromium, read back from its output: the speaker view (the
// loudest participant large, the others in a strip), the grid, participants' names on their
// tiles, the speaker switching when another participant talks, a share taking the main picture
// while it lasts; and the speaker rule's hysteresis, step by step with explicit times.
#include "browser_fixture.hpp"
#include "http_server.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace {

using browser::Json;
using namespace std::chrono_literals;

std::string compositor_source() {
    std::ifstream in(std::string(SIPMEDIAGW_ASSETS_DIR) + "/bridge/compositor.js");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Three remote participants, each a solid colour with a 440 Hz tone whose gain the test sets
// (loud(key)), and the caller's own green video. describe() names red "Alice" and blue "Bob",
// leaves yellow nameless, and marks yellow as a share while window.sharing is set.
const char* kPage = R"HTML(<!doctype html><html><body><script>
const ac = new AudioContext();
function solid(colour) {
  const c = document.createElement('canvas');
  c.width = 320; c.height = 180;
  const g = c.getContext('2d');
  setInterval(() => { g.fillStyle = colour; g.fillRect(0, 0, 320, 180); }, 40);
  return c.captureStream(25).getVideoTracks()[0];
}
function play(track) {
  const v = document.createElement('video');
  v.muted = true; v.autoplay = true;
  v.srcObject = new MediaStream([track]);
  document.body.appendChild(v);
  return v.play();
}
function participant(key, colour, name) {
  const osc = ac.createOscillator();
  osc.frequency.value = 440;
  const gain = ac.createGain();
  gain.gain.value = 0;
  const dst = ac.createMediaStreamDestination();
  osc.connect(gain).connect(dst);
  osc.start();
  return {key, name, video: solid(colour), audio: dst.stream.getAudioTracks()[0], gain};
}
const ps = [participant('red', '#ff0000', 'Alice'), participant('blue', '#0000ff', 'Bob'),
            participant('yellow', '#ffff00', '')];
window.sharing = false;
window.loud = (key) => { ac.resume(); for (const p of ps) p.gain.gain.value = p.key === key ? 0.5 : 0; };
const describe = (v) => {
  const p = ps.find((q) => q.video.id === v.srcObject.getVideoTracks()[0].id);
  return p ? {key: p.key, name: p.name, audio: p.audio, share: p.key === 'yellow' && sharing}
           : null;
};
const probe = document.createElement('canvas');
probe.width = 640; probe.height = 360;
const pg = probe.getContext('2d', {willReadFrequently: true});
let view = null;
window.comp = null;
// The colour at (x, y) of the compositor's output and how many near-white pixels (a label's
// text) a rectangle of it holds.
window.look = (x, y) => { pg.drawImage(view, 0, 0, 640, 360);
                          return Array.from(pg.getImageData(x, y, 1, 1).data.slice(0, 3)); };
window.white = (x, y, w, h) => {
  pg.drawImage(view, 0, 0, 640, 360);
  const d = pg.getImageData(x, y, w, h).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] > 200 && d[i + 2] > 200) n++;
  return n;
};
(async () => {
  const own = solid('#00ff00');
  comp = __smgwCompositor.start({width: 640, height: 360, fps: 25, layout: 'speaker',
                                 isOwn: (t) => t.id === own.id, describe});
  view = document.createElement('video');
  view.muted = true; view.srcObject = new MediaStream([comp.track]);
  await view.play();
  await Promise.all([play(own), ...ps.map((p) => play(p.video))]);
})();
</script></body></html>)HTML";

bool near(const Json& px, int r, int g, int b) {
    return px.is_array() && px.size() == 3 && std::abs(px[0].get<int>() - r) < 60 &&
           std::abs(px[1].get<int>() - g) < 60 && std::abs(px[2].get<int>() - b) < 60;
}

bool tile_is(const Json& tile, const char* key, int x, int y, int w, int h) {
    return tile.is_object() && tile["key"] == key && tile["x"] == x && tile["y"] == y &&
           tile["w"] == w && tile["h"] == h;
}

// What the test reads each poll: the compositor's state and the output's colours at the centre
// of the speaker view's main tile and of its two thumbnails, and at the centres of the grid's
// first three cells.
const char* kLook = R"JS(comp && ({s: comp.state(), main: look(320, 120), t1: look(240, 315),
  t2: look(400, 315), g0: look(160, 90), g1: look(480, 90), g2: look(160, 270)}))JS";

class CompositorLayoutTest : public browser_test::BrowserFixture {
protected:
    void SetUp() override {
        BrowserFixture::SetUp();
        http_.add("/index.html", kPage);
        browser_ = launch_ready();
        ASSERT_TRUE(browser_);
        browser::PageOptions options;
        options.scripts = {compositor_source()};
        ASSERT_FALSE(options.scripts[0].empty());
        page_ = open_page(*browser_, options);
        ASSERT_TRUE(page_);
        ASSERT_TRUE(navigate(*page_, http_.url("127.0.0.1", "/index.html")).ok());
    }
    void TearDown() override {
        page_.reset();
        browser_.reset();
        BrowserFixture::TearDown();
    }
    Json look_until(const std::function<bool(const Json&)>& accept) {
        return poll_evaluate(
            *page_, kLook, [&](const Json& o) { return o.is_object() && accept(o); }, 60s);
    }

    browser_test::HttpServer http_;
    std::unique_ptr<browser::Browser> browser_;
    std::unique_ptr<browser::Page> page_;
};

TEST_F(CompositorLayoutTest, SpeakerGridNamesAndShare) {
    // Red talks: red is the main picture (a 16:9 video fitted in the upper three quarters),
    // blue and yellow thumbnails in the strip below, in the order they came.
    ASSERT_TRUE(evaluate(*page_, "loud('red'), true").ok());
    Json o = look_until([](const Json& j) {
        const Json& t = j["s"]["tiles"];
        return j["s"]["speaker"] == "red" && t.size() == 3 && t[0]["key"] == "red" &&
               near(j["main"], 255, 0, 0) && near(j["t1"], 0, 0, 255);
    });
    ASSERT_TRUE(o.is_object()) << o.dump();
    const Json& tiles = o["s"]["tiles"];
    ASSERT_EQ(tiles.size(), 3u) << o.dump();
    EXPECT_TRUE(tile_is(tiles[0], "red", 80, 0, 480, 270)) << o.dump();
    EXPECT_TRUE(tile_is(tiles[1], "blue", 160, 270, 160, 90)) << o.dump();
    EXPECT_TRUE(tile_is(tiles[2], "yellow", 320, 270, 160, 90)) << o.dump();
    EXPECT_TRUE(near(o["main"], 255, 0, 0)) << o.dump();
    EXPECT_TRUE(near(o["t1"], 0, 0, 255)) << o.dump();
    EXPECT_TRUE(near(o["t2"], 255, 255, 0)) << o.dump();
    EXPECT_EQ(tiles[0]["name"], "Alice");
    // The names are drawn: white text at the bottom left of Alice's and Bob's tiles, none on
    // the nameless yellow one (nothing else in these tiles is white).
    const auto white = [&](int x, int y, int w, int h) {
        auto r = evaluate(*page_, "white(" + std::to_string(x) + "," + std::to_string(y) + "," +
                                      std::to_string(w) + "," + std::to_string(h) + ")");
        return r.ok() && r->is_number() ? r->get<int>() : -1;
    };
    EXPECT_GT(white(80, 235, 200, 35), 20) << "no name on the main tile";
    EXPECT_GT(white(160, 335, 160, 25), 5) << "no name on Bob's thumbnail";
    EXPECT_EQ(white(320, 335, 160, 25), 0) << "a label on a participant without a name";

    // Blue talks instead: once the switch delay has passed, blue is the main picture.
    ASSERT_TRUE(evaluate(*page_, "loud('blue'), true").ok());
    o = look_until([](const Json& j) {
        return j["s"]["speaker"] == "blue" && j["s"]["tiles"][0]["key"] == "blue" &&
               near(j["main"], 0, 0, 255) && near(j["t1"], 255, 0, 0);
    });
    EXPECT_EQ(o["s"]["speaker"], "blue") << o.dump();
    EXPECT_TRUE(near(o["main"], 0, 0, 255)) << o.dump();
    EXPECT_TRUE(near(o["t1"], 255, 0, 0)) << "red should be back in the strip: " << o.dump();

    // The grid: equal tiles in the order participants came, whoever talks.
    ASSERT_TRUE(evaluate(*page_, "comp.setLayout('grid')").ok());
    o = look_until([](const Json& j) {
        return j["s"]["layout"] == "grid" && near(j["g0"], 255, 0, 0) && near(j["g1"], 0, 0, 255) &&
               near(j["g2"], 255, 255, 0);
    });
    ASSERT_EQ(o["s"]["tiles"].size(), 3u) << o.dump();
    EXPECT_TRUE(tile_is(o["s"]["tiles"][0], "red", 0, 0, 320, 180)) << o.dump();
    EXPECT_TRUE(tile_is(o["s"]["tiles"][1], "blue", 320, 0, 320, 180)) << o.dump();
    EXPECT_TRUE(tile_is(o["s"]["tiles"][2], "yellow", 0, 180, 320, 180)) << o.dump();

    // A share is first in the grid, and the main picture in the speaker view.
    ASSERT_TRUE(evaluate(*page_, "sharing = true").ok());
    o = look_until([](const Json& j) {
        return j["s"]["tiles"][0]["key"] == "yellow" && near(j["g0"], 255, 255, 0);
    });
    EXPECT_TRUE(o["s"]["tiles"][0]["share"].get<bool>()) << o.dump();
    const auto cycled = evaluate(*page_, "comp.cycleLayout()");
    ASSERT_TRUE(cycled.ok()) << cycled.error().message;
    EXPECT_EQ(*cycled, "speaker");
    o = look_until([](const Json& j) {
        return j["s"]["layout"] == "speaker" && near(j["main"], 255, 255, 0) &&
               near(j["t1"], 0, 0, 255);
    });
    EXPECT_TRUE(tile_is(o["s"]["tiles"][0], "yellow", 80, 0, 480, 270)) << o.dump();
    EXPECT_TRUE(near(o["t1"], 0, 0, 255)) << "the speaker comes first in the strip: " << o.dump();

    // The share ends: the speaker is the main picture again.
    ASSERT_TRUE(evaluate(*page_, "sharing = false").ok());
    o = look_until([](const Json& j) { return near(j["main"], 0, 0, 255); });
    EXPECT_TRUE(tile_is(o["s"]["tiles"][0], "blue", 80, 0, 480, 270)) << o.dump();
}

// The speaker rule with explicit times: a burst shorter than the switch delay, or a voice not
// clearly louder than the speaker's, leaves the picture; silence keeps the last speaker; a
// speaker who left is replaced at once.
TEST_F(CompositorLayoutTest, SpeakerSwitchHasHysteresis) {
    const auto r = evaluate(*page_, R"JS((() => {
      const p = __smgwCompositor.speakerPicker();
      return [p.update({a: -20, b: -80}, 0),       // a speaks first
              p.update({a: -80, b: -20}, 100),     // b louder...
              p.update({a: -20, b: -80}, 600),     // ...for 0.5 s only
              p.update({a: -80, b: -20}, 700),     // b again
              p.update({a: -80, b: -20}, 2100),    // 1.4 s: not yet
              p.update({a: -80, b: -20}, 2300),    // 1.6 s: b
              p.update({a: -80, b: -80}, 5000),    // silence keeps b
              p.update({a: -20, b: -24}, 6000),    // a only 4 dB louder...
              p.update({a: -20, b: -24}, 9000),    // ...for 3 s: still b
              p.update({a: -20}, 9100)];           // b left: a at once
    })())JS");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, Json::parse(R"(["a","a","a","a","a","b","b","b","b","a"])")) << r->dump();
}

}  // namespace
