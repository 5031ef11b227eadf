// The bridge's audio channels (media/bridge_channels.hpp, issue 13). Toward the page, a caller's
// packet must leave as the link's Opus frame at once, not wait for the next packet. Toward the
// caller, a producer that stalls and then delivers what it owes in a burst (a loaded host, the
// link starting) must not leave that burst queued as delay for the rest of the call. interaudiosrc
// reads one period per period and never skips ahead; bridge_audio_source() bounds what the channel
// keeps. The burst carries a value of its own, so what is checked is how much of it the reader
// played out (all of it would be delay that stays), not how late anything came.
#include "media/bridge_channels.hpp"
#include "media/codec_chain.hpp"
#include "media/encoded_channel.hpp"
#include "media/meeting_bridge.hpp"
#include "support/test_pipeline.hpp"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

namespace media_test {
namespace {

using testsupport::launch;

constexpr int kRate = 48000;
constexpr int kPeriodSamples = kRate / 100;  // the 10 ms buffers an RTP depayloader gives
constexpr int16_t kBurst = 3000;             // what a stalled producer owed
constexpr int16_t kLoud = 10000;             // the sound after it

GstElement* element(GstElement* pipeline, const char* name) {
    GstElement* e = gst_bin_get_by_name(GST_BIN(pipeline), name);
    gst_object_unref(e);  // the pipeline keeps it
    return e;
}

// What the reader produced: samples in total, of the burst, and whether the loud ones came.
struct Reader {
    std::atomic<int64_t> samples{0};
    std::atomic<int64_t> burst{0};
    std::atomic<bool> loud{false};
};

GstFlowReturn on_sample(GstAppSink* sink, gpointer data) {
    auto* r = static_cast<Reader*>(data);
    GstSample* sample = gst_app_sink_pull_sample(sink);
    if (sample == nullptr) return GST_FLOW_OK;
    GstBuffer* buf = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (buf != nullptr && gst_buffer_map(buf, &map, GST_MAP_READ)) {
        const auto n = static_cast<int64_t>(map.size / sizeof(int16_t));
        std::vector<int16_t> v(static_cast<std::size_t>(n));
        std::memcpy(v.data(), map.data, map.size);
        for (const int16_t x : v) {
            if (x > (kBurst + kLoud) / 2)
                r->loud = true;
            else if (x > kBurst / 2)
                r->burst++;
        }
        r->samples += n;
        gst_buffer_unmap(buf, &map);
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

void push(GstElement* src, int16_t value, uint64_t& offset) {
    GstBuffer* buf = gst_buffer_new_allocate(nullptr, kPeriodSamples * sizeof(int16_t), nullptr);
    GstMapInfo map;
    gst_buffer_map(buf, &map, GST_MAP_WRITE);
    auto* s = reinterpret_cast<int16_t*>(map.data);
    for (int i = 0; i < kPeriodSamples; ++i) s[i] = value;
    gst_buffer_unmap(buf, &map);
    GST_BUFFER_PTS(buf) = gst_util_uint64_scale(offset, GST_SECOND, kRate);
    GST_BUFFER_DURATION(buf) = gst_util_uint64_scale(kPeriodSamples, GST_SECOND, kRate);
    offset += kPeriodSamples;
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(src), buf), GST_FLOW_OK);
}

template <class Pred>
bool wait_for(Pred pred, std::chrono::seconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
}

GstFlowReturn count_packet(GstAppSink* sink, gpointer count) {
    GstSample* sample = gst_app_sink_pull_sample(sink);
    if (sample != nullptr) {
        ++*static_cast<std::atomic<int>*>(count);
        gst_sample_unref(sample);
    }
    return GST_FLOW_OK;
}

// One G.711 packet of 20 ms, as a caller sends it.
GstBuffer* pcmu_packet(uint16_t seq) {
    constexpr guint kPayload = 160;
    GstBuffer* buf = gst_rtp_buffer_new_allocate(kPayload, 0, 0);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    gst_rtp_buffer_map(buf, GST_MAP_WRITE, &rtp);
    gst_rtp_buffer_set_payload_type(&rtp, 0);
    gst_rtp_buffer_set_seq(&rtp, seq);
    gst_rtp_buffer_set_timestamp(&rtp, uint32_t{seq} * kPayload);
    gst_rtp_buffer_set_ssrc(&rtp, 0x1234);
    auto* payload = static_cast<uint8_t*>(gst_rtp_buffer_get_payload(&rtp));
    for (guint i = 0; i < kPayload; ++i) payload[i] = static_cast<uint8_t>(0x80 + (i % 16));
    gst_rtp_buffer_unmap(&rtp);
    return buf;
}

TEST(BridgeAudio, CallersPacketLeavesAsAnOpusFrameWithoutWaitingForTheNext) {
    gst_init(nullptr, nullptr);
    const std::string channel = "smgw.test-prompt.audio.to-page";
    sip::NegotiatedStream pcmu;
    pcmu.codec = {.name = "PCMU", .payload_type = 0, .clock_rate = 8000};
    const auto receive = media::bridge_receive_description(pcmu, channel);
    ASSERT_TRUE(receive);
    auto caller = launch(
        "appsrc name=in is-live=true format=time do-timestamp=true "
        "caps=application/x-rtp,media=audio,clock-rate=8000,encoding-name=PCMU,payload=0 ! " +
        *receive);
    auto link = launch(media::MeetingBridge::audio_send_description() +
                       " ! appsink name=sent emit-signals=true sync=false async=false");
    ASSERT_TRUE(caller && link);
    auto to_page = media::EncodedChannel::get(channel, media::EncodedChannel::Media::Audio);
    to_page->attach_producer(element(caller.get(), "out"));
    to_page->attach_consumer(element(link.get(), "audio_in"));
    std::atomic<int> sent{0};
    g_signal_connect(element(link.get(), "sent"), "new-sample", G_CALLBACK(count_packet), &sent);
    ASSERT_NE(gst_element_set_state(link.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    ASSERT_NE(gst_element_set_state(caller.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    GstElement* audio_in = element(link.get(), "audio_in");
    ASSERT_TRUE(wait_for([&] { return GST_STATE(audio_in) == GST_STATE_PLAYING; },
                         std::chrono::seconds(60)));
    GstElement* in = element(caller.get(), "in");
    constexpr int kPackets = 5;
    for (int i = 0; i < kPackets; ++i)
        ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(in), pcmu_packet(static_cast<uint16_t>(i))),
                  GST_FLOW_OK);
    // Every packet's 20 ms is on the link with no further packet from the caller (a resampler
    // holds back part of each, so the last frame would wait for a sixth), and nothing else is
    // (a clocked source would fill the silence between packets with frames of its own).
    EXPECT_TRUE(wait_for([&] { return sent.load() >= kPackets; }, std::chrono::seconds(60)))
        << "the link sent " << sent << " Opus packets for the caller's " << kPackets;
    EXPECT_EQ(sent.load(), kPackets);
    gst_element_set_state(caller.get(), GST_STATE_NULL);
    gst_element_set_state(link.get(), GST_STATE_NULL);
}

TEST(BridgeAudio, BurstAfterAStallIsNotKeptAsDelay) {
    gst_init(nullptr, nullptr);
    const std::string channel = "smgw.test-burst.audio.to-page";
    const std::string caps = "audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved";
    auto reader = launch(media::bridge_audio_source(channel) + " ! " + caps +
                         " ! appsink name=out emit-signals=true sync=false");
    auto writer = launch("appsrc name=in format=time caps=" + caps +
                         " ! interaudiosink sync=false channel=" + channel);
    ASSERT_TRUE(reader && writer);
    Reader r;
    g_signal_connect(element(reader.get(), "out"), "new-sample", G_CALLBACK(on_sample), &r);
    GstElement* in = element(writer.get(), "in");
    ASSERT_NE(gst_element_set_state(reader.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    ASSERT_NE(gst_element_set_state(writer.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    // The reader runs (playing silence) before anything arrives, as the link does.
    ASSERT_TRUE(wait_for([&] { return r.samples > kRate / 10; }, std::chrono::seconds(60)));
    uint64_t offset = 0;
    // Half a second owed at once, then the sound that must not wait behind it.
    constexpr int kBurstBuffers = 50;
    for (int i = 0; i < kBurstBuffers; ++i) push(in, kBurst, offset);
    for (int i = 0; i < 20; ++i) push(in, kLoud, offset);
    ASSERT_TRUE(wait_for([&] { return r.loud.load(); }, std::chrono::seconds(60)))
        << "the loud samples never came out";
    // Kept in full, all 500 ms of the burst would be played out ahead of the sound; bounded,
    // the channel drops what is beyond its 60 ms.
    const int64_t owed = int64_t{kBurstBuffers} * kPeriodSamples;
    EXPECT_LT(r.burst.load(), owed / 2)
        << "the reader played " << r.burst << " of the burst's " << owed << " samples";
}

}  // namespace
}  // namespace media_test
