// The compositor ([browser] meeting_video = "compositor") in a real Chromium: remote <video>
// elements of the page end up side by side in its grid layout, the caller's own video (self-view)
// does not, and an empty meeting says so instead of sending black.
#include "browser_fixture.hpp"
#include "http_server.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace {

using browser::Json;

std::string compositor_source() {
    std::ifstream in(std::string(SIPMEDIAGW_ASSETS_DIR) + "/bridge/compositor.js");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Playing videos fed by solid-colour canvases: red (in two elements) and blue are "remote",
// green is the caller's own track. The compositor's output is drawn back into a canvas where the
// test reads the colour at the centre of each half (tiles of a 2-video grid are side by side).
const char* kPage = R"HTML(<!doctype html><html><body><script>
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
window.out = {empty: null, left: null, right: null, tiles: 0};
(async () => {
  const own = solid('#00ff00');
  const probe = document.createElement('canvas');
  probe.width = 640; probe.height = 360;
  const pg = probe.getContext('2d', {willReadFrequently: true});
  const sample = (v, x, y) => { pg.drawImage(v, 0, 0, 640, 360);
                                return Array.from(pg.getImageData(x, y, 1, 1).data.slice(0, 3)); };
  const comp = __smgwCompositor.start({width: 640, height: 360, fps: 25, layout: 'grid',
                                       isOwn: (t) => t.id === own.id});
  const view = document.createElement('video');
  view.muted = true; view.srcObject = new MediaStream([comp.track]);
  await view.play();
  // Nobody else yet: the "waiting" frame is not black everywhere (it has text). Poll a few
  // frames (up to 5 s) for it.
  let bright = 0;
  for (let n = 0; n < 50 && bright <= 100; n++) {
    await new Promise((r) => view.requestVideoFrameCallback(r));
    pg.drawImage(view, 0, 0, 640, 360);
    const d = pg.getImageData(0, 0, 640, 360).data;
    bright = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 128) bright++;
  }
  out.empty = {bright, tiles: comp.tiles()};
  const red = solid('#ff0000');
  // The red participant shown twice (stage and thumbnail) is still one tile.
  await Promise.all([play(own), play(red), play(solid('#0000ff')), play(red)]);
  setInterval(() => {
    out.left = sample(view, 160, 180);
    out.right = sample(view, 480, 180);
    out.tiles = comp.tiles();
  }, 100);
})();
</script></body></html>)HTML";

class CompositorTest : public browser_test::BrowserFixture {};

TEST_F(CompositorTest, RemoteVideosSideBySideWithoutTheSelfView) {
    browser_test::HttpServer http;
    http.add("/index.html", kPage);
    auto b = launch_ready();
    ASSERT_TRUE(b);
    browser::PageOptions options;
    options.scripts = {compositor_source()};
    ASSERT_FALSE(options.scripts[0].empty());
    auto page = open_page(*b, options);
    ASSERT_TRUE(page);
    ASSERT_TRUE(navigate(*page, http.url("127.0.0.1", "/index.html")).ok());
    auto near = [](const Json& px, int r, int g, int bl) {
        return px.is_array() && px.size() == 3 && std::abs(px[0].get<int>() - r) < 60 &&
               std::abs(px[1].get<int>() - g) < 60 && std::abs(px[2].get<int>() - bl) < 60;
    };
    const Json out = poll_evaluate(
        *page, "window.out",
        [&](const Json& o) {
            return o.is_object() && o["tiles"] == 2 && near(o["left"], 255, 0, 0) &&
                   near(o["right"], 0, 0, 255);
        },
        std::chrono::seconds(60));
    ASSERT_TRUE(out.is_object()) << out.dump();
    // Neither the green self-view nor red's second element is a tile.
    EXPECT_EQ(out["tiles"], 2) << out.dump();
    EXPECT_TRUE(near(out["left"], 255, 0, 0)) << out.dump();
    EXPECT_TRUE(near(out["right"], 0, 0, 255)) << out.dump();
    ASSERT_TRUE(out["empty"].is_object()) << out.dump();
    EXPECT_EQ(out["empty"]["tiles"], 0) << out.dump();
    EXPECT_GT(out["empty"]["bright"].get<int>(), 100) << "empty meeting frame is blank";
}

}  // namespace
