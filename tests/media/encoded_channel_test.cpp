// EncodedChannel's kept GOP (issue 13): a consumer that starts after the sender's keyframe went
// by decodes at once from the frames kept since it, instead of waiting for a keyframe the sender
// may not send for seconds (the meeting link's offer waited for one). The producer here ignores
// keyframe requests, as a caller that only follows its GOP does, so only the kept frames can
// make the late consumer decode.
#include "media/encoded_channel.hpp"
#include "support/test_pipeline.hpp"

#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace media_test {
namespace {

using testsupport::launch;
using testsupport::Pipeline;

GstElement* element(GstElement* pipeline, const char* name) {
    GstElement* e = gst_bin_get_by_name(GST_BIN(pipeline), name);
    gst_object_unref(e);  // the pipeline keeps it
    return e;
}

template <class Pred>
bool wait_for(Pred pred, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
}

// x264 with one keyframe at its start; the requests the channel sends upstream stop at the
// parser, so no other keyframe ever comes.
Pipeline deaf_producer() {
    auto p = launch(
        "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! "
        "x264enc tune=zerolatency speed-preset=ultrafast threads=1 bitrate=300 "
        "key-int-max=100000 ! video/x-h264,profile=constrained-baseline ! h264parse name=parse ! "
        "video/x-h264,stream-format=byte-stream,alignment=au ! " +
        media::EncodedChannel::sink_description("out"));
    GstPad* src = gst_element_get_static_pad(element(p.get(), "parse"), "src");
    gst_pad_add_probe(
        src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
        [](GstPad*, GstPadProbeInfo* info, gpointer) {
            return gst_video_event_is_force_key_unit(GST_PAD_PROBE_INFO_EVENT(info))
                       ? GST_PAD_PROBE_DROP
                       : GST_PAD_PROBE_OK;
        },
        nullptr, nullptr);
    gst_object_unref(src);
    return p;
}

struct Decoded {
    std::atomic<int> frames{0};
};

// appsrc → parse → decode, counting decoded frames.
Pipeline counting_consumer(Decoded& decoded) {
    auto p = launch(media::EncodedChannel::src_description("in") +
                    " ! h264parse ! avdec_h264 name=dec ! fakesink sync=false async=false");
    GstPad* src = gst_element_get_static_pad(element(p.get(), "dec"), "src");
    gst_pad_add_probe(
        src, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad*, GstPadProbeInfo*, gpointer data) {
            ++static_cast<Decoded*>(data)->frames;
            return GST_PAD_PROBE_OK;
        },
        &decoded, nullptr);
    gst_object_unref(src);
    return p;
}

void late_consumer_decodes(bool keep_gop, int* decoded_frames) {
    gst_init(nullptr, nullptr);
    const std::string name = std::string("test.encoded-channel.") + (keep_gop ? "gop" : "none");
    auto channel = media::EncodedChannel::get(name);
    channel->keep_gop(keep_gop);
    auto producer = deaf_producer();
    channel->attach_producer(element(producer.get(), "out"));
    gst_element_set_state(producer.get(), GST_STATE_PLAYING);
    // The keyframe and some frames after it go by before anyone takes them.
    ASSERT_TRUE(wait_for([&] { return channel->frames() >= 15; }, std::chrono::seconds(30)));
    ASSERT_EQ(channel->keyframes(), 1U);
    Decoded decoded;
    auto consumer = counting_consumer(decoded);
    channel->attach_consumer(element(consumer.get(), "in"));
    gst_element_set_state(consumer.get(), GST_STATE_PLAYING);
    // Generous for a loaded host; a consumer without the kept frames never decodes.
    wait_for([&] { return decoded.frames.load() >= 10; }, std::chrono::seconds(keep_gop ? 30 : 3));
    *decoded_frames = decoded.frames.load();
    EXPECT_EQ(channel->keyframes(), 1U) << "the producer made another keyframe";
    EXPECT_GE(channel->keyframe_requests(), 1U);
}

TEST(EncodedChannelGop, LateConsumerDecodesFromTheKeptFramesWithoutANewKeyframe) {
    int decoded = 0;
    late_consumer_decodes(true, &decoded);
    EXPECT_GE(decoded, 10);
}

// The control: the same late consumer without kept frames decodes nothing (so the test above
// proves the kept frames, not a keyframe that came anyway).
TEST(EncodedChannelGop, LateConsumerWithoutKeptFramesWaitsForAKeyframe) {
    int decoded = 0;
    late_consumer_decodes(false, &decoded);
    EXPECT_EQ(decoded, 0);
}

}  // namespace
}  // namespace media_test
