// e2e tests with a meeting: `sipmediagw demo` plus an independent headless Chromium observer
// that joins the same Janus room through the same demo page (tests/e2e/observer.js: it
// publishes a 660 Hz tone and an animated canvas, and measures what it receives). The
// BrowserFixture base checks that the observer's browser is gone after the test; every test
// here also checks that the gateway's browsers are gone and that it exits 0 on SIGTERM.
#pragma once

#include "browser_fixture.hpp"
#include "demo_gateway.hpp"
#include "received_media.hpp"
#include "support/baresip_peer.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace e2e {

using namespace std::chrono_literals;

using testsupport::read_file;

// Publishes a solid magenta canvas (a small white square moves along its bottom so frames
// differ) into room 1234 as "Slides (content)" through the demo page's own janus.js, as another
// meeting client would share a screen; window.__share.state says how far it got.
inline constexpr const char* kSharePublisher = R"JS((() => {
  window.__share = {state: 'starting'};
  const fail = (e) => { __share.state = 'error: ' + (e && e.message ? e.message : e); };
  const c = document.createElement('canvas');
  c.width = 640; c.height = 360;
  const g = c.getContext('2d');
  let n = 0;
  setInterval(() => { g.fillStyle = '#ff00ff'; g.fillRect(0, 0, 640, 360);
                      g.fillStyle = '#fff'; g.fillRect((n++ * 8) % 600, 320, 40, 30); }, 33);
  const track = c.captureStream(30).getVideoTracks()[0];
  Janus.init({debug: false, callback: () => {
    const janus = new Janus({server: server, iceServers: [], error: fail, success: () => {
      __share.janus = janus;
      janus.attach({plugin: 'janus.plugin.videoroom', error: fail,
        success: (h) => {
          __share.handle = h;
          h.send({message: {request: 'join', room: 1234, ptype: 'publisher',
                            display: 'Slides (content)'}});
        },
        onmessage: (msg, jsep) => {
          const h = __share.handle;
          if (msg.videoroom === 'joined') {
            h.createOffer({tracks: [{type: 'video', capture: track, recv: false}], error: fail,
                           success: (offer) => h.send({message: {request: 'publish',
                                                                 audio: false, video: true},
                                                       jsep: offer})});
          }
          if (jsep) h.handleRemoteJsep({jsep: jsep});
          if (msg.error) fail(msg.error);
        },
        webrtcState: (up) => { if (up) __share.state = 'up'; }});
    }});
  }});
  window.__shareStop = () => { __share.handle.send({message: {request: 'unpublish'}});
                               __share.state = 'stopped'; return true; };
  return true;
})())JS";

class MeetingFixture : public browser_test::BrowserFixture {
protected:
    // The observer joins room 1234 as `name`; false (with a test failure) when it cannot.
    bool join_observer(const DemoGateway& gw, const std::string& name = "observer") {
        // Plain http off loopback is not a secure context (no getUserMedia) unless we say so.
        extra_flags_ = {"--unsafely-treat-insecure-origin-as-secure=" + gw.origin()};
        observer_browser_ = launch_ready();
        if (!observer_browser_) return false;
        std::optional<core::Status> granted;
        observer_browser_->grant_permissions(gw.origin(),
                                             [&](core::Status st) { granted = std::move(st); });
        if (!run_until([&] { return granted.has_value(); }) || !granted->ok()) {
            ADD_FAILURE() << "observer: no permissions";
            return false;
        }
        browser::PageOptions po;
        const std::string assets = SIPMEDIAGW_ASSETS_DIR;
        po.scripts = {read_file(E2E_OBSERVER_JS), read_file(assets + "/services/common.js"),
                      read_file(assets + "/services/janus.js")};
        po.bindings = {"sipmediagwEvent"};
        observer_ = open_page(*observer_browser_, po);
        if (!observer_) return false;
        if (auto st = navigate(*observer_, gw.page_url()); !st.ok()) {
            ADD_FAILURE() << "observer: " << st.error().message;
            return false;
        }
        auto joined = evaluate(*observer_, "sipmediagwAdapter.join({room: '1234', displayName: '" +
                                               name + "', timeoutMs: 60000})");
        if (!joined.ok()) {
            ADD_FAILURE() << "observer: " << joined.error().message;
            return false;
        }
        return true;
    }

    // The observer's measurements once accept(__obs) holds (or the last ones at the deadline).
    browser::Json observed(const std::function<bool(const browser::Json&)>& accept,
                           std::chrono::seconds timeout = 90s) {
        return poll_evaluate(*observer_, "window.__obs", accept, timeout);
    }

    // Waits until the observer's level at `hz` satisfies accept(dB); returns the last level.
    double observer_tone(double hz, const std::function<bool(double)>& accept,
                         std::chrono::seconds timeout = 60s) {
        const auto v = poll_evaluate(
            *observer_, "window.__obsToneDb(" + std::to_string(hz) + ")",
            [&](const browser::Json& j) { return j.is_number() && accept(j.get<double>()); },
            timeout);
        return v.is_number() ? v.get<double>() : -200;
    }

    void leave_observer() {
        if (observer_) (void)evaluate(*observer_, "sipmediagwAdapter.leave()");
        observer_.reset();
        observer_browser_.reset();
    }

    // Waits until the caller's recording holds `hz` as its main content over the last second.
    ToneLevel caller_hears(testsupport::BaresipPeer& peer, double hz,
                           std::chrono::milliseconds timeout = 60s) {
        ToneLevel last;
        testsupport::wait_until(
            [&] {
                const auto wav = peer.received_audio();
                if (!wav) return false;
                auto level = tone_level(*wav, hz, 1.0);
                if (!level) return false;
                last = *level;
                // Loud enough, and the tone is (nearly) all there is.
                return last.tone_db > -40 && last.tone_db > last.total_db - 3;
            },
            timeout, 250ms);
        return last;
    }

    // Asks the caller for snapshots until one is a real picture: decoded, a plausible size, and
    // not uniform (a black or single-colour frame fails). No more than that: the observer's
    // canvas (a flat hue and a white square) decodes to a handful of luma levels, so a demand
    // for many levels held the tests at the deadline for nothing (distinct_luma is reported).
    FrameStats caller_sees(testsupport::BaresipPeer& peer, const std::filesystem::path& dir,
                           std::chrono::milliseconds timeout = 60s) {
        FrameStats last;
        int n = 0;
        testsupport::wait_until(
            [&] {
                const auto png = dir / ("received-" + std::to_string(++n) + ".png");
                if (!peer.snapshot_received(png).ok()) return false;
                // The module writes on the next decoded frame.
                if (!testsupport::wait_until([&] { return std::filesystem::exists(png); }, 10s))
                    return false;
                core::Result<FrameStats> stats = core::fail("not read");
                // The file may still be being written: read until it decodes.
                testsupport::wait_until([&] { return (stats = png_stats(png)).ok(); }, 5s);
                if (!stats) return false;
                last = *stats;
                return last.width >= 160 && last.height >= 120 && last.luma_stddev > 4;
            },
            timeout, 500ms);
        return last;
    }

    // Asks the caller for snapshots until accept(png) holds for one; false at the deadline.
    bool caller_picture_until(testsupport::BaresipPeer& peer, const std::filesystem::path& dir,
                              const std::function<bool(const std::filesystem::path&)>& accept,
                              std::chrono::milliseconds timeout = 60s) {
        return testsupport::wait_until(
            [&] {
                const auto png = dir / ("picture-" + std::to_string(++pictures_) + ".png");
                if (!peer.snapshot_received(png).ok()) return false;
                if (!testsupport::wait_until([&] { return std::filesystem::exists(png); }, 10s))
                    return false;
                // The file may still be being written: read until it decodes.
                if (!testsupport::wait_until([&] { return png_stats(png).ok(); }, 5s)) return false;
                return accept(png);
            },
            timeout, 500ms);
    }

    int pictures_ = 0;
    std::unique_ptr<browser::Browser> observer_browser_;
    std::unique_ptr<browser::Page> observer_;
};

}  // namespace e2e
