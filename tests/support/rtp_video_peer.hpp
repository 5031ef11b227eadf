// One video line of a test far end (a room system's camera or content line): a GStreamer
// pipeline that sends a test pattern (VP8) and decodes what comes back, both on one UDP socket
// bound on 127.0.0.1 (symmetric RTP: the gateway's source guard takes packets only from the
// port the SDP names). Says how many frames came back and the mean colour of the last one, so
// a test can tell two streams apart by their patterns. Header-only: media and e2e tests use it.
#pragma once

#include "support/test_pipeline.hpp"

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace testsupport {

struct MeanColour {
    int r = 0;
    int g = 0;
    int b = 0;
};

class RtpVideoPeer {
public:
    static constexpr unsigned kPayloadType = 96;

    RtpVideoPeer() {
        if (!gst_is_initialized()) gst_init(nullptr, nullptr);
        GError* err = nullptr;
        socket_.reset(g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                   G_SOCKET_PROTOCOL_UDP, &err));
        g_clear_error(&err);
        GInetAddress* lo = g_inet_address_new_from_string("127.0.0.1");
        GSocketAddress* any = g_inet_socket_address_new(lo, 0);
        EXPECT_TRUE(g_socket_bind(socket_.get(), any, FALSE, &err)) << (err ? err->message : "");
        g_clear_error(&err);
        g_object_unref(any);
        g_object_unref(lo);
        GSocketAddress* bound = g_socket_get_local_address(socket_.get(), nullptr);
        port_ = static_cast<uint16_t>(g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
        g_object_unref(bound);
    }
    ~RtpVideoPeer() { stop(); }
    RtpVideoPeer(const RtpVideoPeer&) = delete;
    RtpVideoPeer& operator=(const RtpVideoPeer&) = delete;

    [[nodiscard]] uint16_t port() const { return port_; }

    // Sends `pattern` (videotestsrc's, e.g. "green", "blue", "checkers-8") to the gateway's
    // address and port unless empty, and decodes what the gateway sends back (payload type
    // `pt`).
    void start(const std::string& gateway_address, uint16_t gateway_port,
               const std::string& pattern, unsigned pt = kPayloadType) {
        stop();
        const std::string caps =
            "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=" +
            std::to_string(pt);
        std::string desc = "udpsrc name=in caps=\"" + caps +
                           "\" ! rtpvp8depay ! vp8dec ! videoconvert ! "
                           "video/x-raw,format=RGB ! appsink name=frames sync=false "
                           "emit-signals=true max-buffers=1 drop=true";
        if (!pattern.empty()) {
            desc += " videotestsrc is-live=true pattern=" + pattern +
                    " ! video/x-raw,width=320,height=240,framerate=15/1 ! "
                    "vp8enc deadline=1 keyframe-max-dist=15 ! rtpvp8pay pt=" +
                    std::to_string(pt) +
                    " ! udpsink name=out sync=false async=false host=" + gateway_address +
                    " port=" + std::to_string(gateway_port);
        }
        pipeline_ = launch(desc);
        if (!pipeline_) return;
        GstElement* in = gst_bin_get_by_name(GST_BIN(pipeline_.get()), "in");
        g_object_set(in, "socket", socket_.get(), "close-socket", FALSE, nullptr);
        GstPad* in_src = gst_element_get_static_pad(in, "src");
        gst_pad_add_probe(in_src, GST_PAD_PROBE_TYPE_BUFFER, &RtpVideoPeer::on_rtp, this, nullptr);
        gst_object_unref(in_src);
        gst_object_unref(in);
        if (!pattern.empty()) {
            GstElement* out = gst_bin_get_by_name(GST_BIN(pipeline_.get()), "out");
            g_object_set(out, "socket", socket_.get(), "close-socket", FALSE, nullptr);
            gst_object_unref(out);
        }
        GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline_.get()), "frames");
        g_signal_connect(sink, "new-sample", G_CALLBACK(&RtpVideoPeer::on_sample), this);
        gst_object_unref(sink);
        gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING);
    }
    // Nothing sent or received any more (the socket stays bound: the SDP still names it).
    void stop() { pipeline_.reset(); }

    [[nodiscard]] int frames() const { return frames_.load(); }
    // Every SSRC the gateway sent to this socket under (since construction): one while the
    // gateway's rtpbin session for this line lives; a pipeline made again picks a new one.
    [[nodiscard]] std::set<uint32_t> ssrcs() const {
        std::lock_guard lock(mutex_);
        return ssrcs_;
    }
    [[nodiscard]] MeanColour last_colour() const {
        std::lock_guard lock(mutex_);
        return colour_;
    }
    // The mean colour of the last frame's upper middle (x 40-60 %, y 25-45 %): the large tile
    // of a speaker layout, the whole of a full-frame picture.
    [[nodiscard]] MeanColour last_centre_colour() const {
        std::lock_guard lock(mutex_);
        return centre_;
    }
    // Counts the consecutive frames whose centre colour satisfies `accept` (0 after a frame
    // that does not): a picture held for a while, not a colour a changing one passes through.
    void watch_centre(std::function<bool(const MeanColour&)> accept) {
        std::lock_guard lock(mutex_);
        accept_ = std::move(accept);
        run_ = 0;
    }
    [[nodiscard]] int centre_run() const { return run_.load(); }

private:
    static GstPadProbeReturn on_rtp(GstPad*, GstPadProbeInfo* info, gpointer data) {
        auto* self = static_cast<RtpVideoPeer*>(data);
        GstMapInfo map;
        GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
        if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return GST_PAD_PROBE_OK;
        // RTP version 2 with a payload type outside 64-95 (RTCP's packet types read there).
        if (map.size >= 12 && (map.data[0] >> 6) == 2 &&
            ((map.data[1] & 0x7f) < 64 || (map.data[1] & 0x7f) > 95)) {
            const uint32_t ssrc = (uint32_t{map.data[8]} << 24) | (uint32_t{map.data[9]} << 16) |
                                  (uint32_t{map.data[10]} << 8) | uint32_t{map.data[11]};
            std::lock_guard lock(self->mutex_);
            self->ssrcs_.insert(ssrc);
        }
        gst_buffer_unmap(buffer, &map);
        return GST_PAD_PROBE_OK;
    }

    static GstFlowReturn on_sample(GstElement* sink, gpointer data) {
        auto* self = static_cast<RtpVideoPeer*>(data);
        GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
        if (sample == nullptr) return GST_FLOW_OK;
        GstBuffer* buffer = gst_sample_get_buffer(sample);
        int width = 0;
        int height = 0;
        if (GstCaps* caps = gst_sample_get_caps(sample)) {
            const GstStructure* st = gst_caps_get_structure(caps, 0);
            gst_structure_get_int(st, "width", &width);
            gst_structure_get_int(st, "height", &height);
        }
        GstMapInfo map;
        if (buffer != nullptr && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
            const MeanColour centre = centre_mean(map, width, height);
            std::array<uint64_t, 3> sum{};
            // Every 7th pixel is plenty for a mean; RGB rows may be padded, which a mean of
            // many pixels does not notice.
            const gsize step = 3 * 7;
            uint64_t n = 0;
            for (gsize i = 0; i + 2 < map.size; i += step, ++n) {
                sum[0] += map.data[i];
                sum[1] += map.data[i + 1];
                sum[2] += map.data[i + 2];
            }
            gst_buffer_unmap(buffer, &map);
            if (n > 0) {
                std::lock_guard lock(self->mutex_);
                self->colour_ = {static_cast<int>(sum[0] / n), static_cast<int>(sum[1] / n),
                                 static_cast<int>(sum[2] / n)};
                self->centre_ = centre;
                if (self->accept_) self->run_ = self->accept_(centre) ? self->run_ + 1 : 0;
            }
            ++self->frames_;
        }
        gst_sample_unref(sample);
        return GST_FLOW_OK;
    }

    static MeanColour centre_mean(const GstMapInfo& map, int width, int height) {
        if (width <= 0 || height <= 0) return {};
        // RGB rows are padded to 4 bytes.
        const gsize stride = (static_cast<gsize>(width) * 3 + 3) & ~static_cast<gsize>(3);
        std::array<uint64_t, 3> sum{};
        uint64_t n = 0;
        for (int y = height * 25 / 100; y < height * 45 / 100; y += 2) {
            for (int x = width * 40 / 100; x < width * 60 / 100; x += 2) {
                const gsize i = static_cast<gsize>(y) * stride + static_cast<gsize>(x) * 3;
                if (i + 2 >= map.size) continue;
                sum[0] += map.data[i];
                sum[1] += map.data[i + 1];
                sum[2] += map.data[i + 2];
                ++n;
            }
        }
        if (n == 0) return {};
        return {static_cast<int>(sum[0] / n), static_cast<int>(sum[1] / n),
                static_cast<int>(sum[2] / n)};
    }

    struct SocketUnref {
        void operator()(GSocket* s) const {
            if (s != nullptr) g_object_unref(s);
        }
    };
    std::unique_ptr<GSocket, SocketUnref> socket_;
    uint16_t port_ = 0;
    Pipeline pipeline_;
    std::atomic<int> frames_{0};
    mutable std::mutex mutex_;
    MeanColour colour_;
    MeanColour centre_;
    std::function<bool(const MeanColour&)> accept_;
    std::atomic<int> run_{0};
    std::set<uint32_t> ssrcs_;
};

}  // namespace testsupport
