// A process-local channel for already-encoded video between two pipelines (the call's SIP
// pipeline and its meeting page's WebRTC link pipeline), the passthrough counterpart of the
// raw intervideo* channels (media/bridge_channels.hpp). Encoded frames cannot cross an
// intervideo* pair, and one pipeline for both sides would tie their clocks and states together.
// It carries audio too: passthrough Opus, and the caller's decoded audio toward the link's
// encoder, which a clocked interaudiosrc would hold in a queue that only grows.
//
// The producer is an appsink at the end of one pipeline's depayload/parse chain; the consumer is
// an appsrc at the head of the other pipeline's parse/payload chain. Buffers are handed over on
// the producer's streaming thread and re-timestamped by the consumer's clock. Keyframe requests
// travel the other way: a force-key-unit event arriving upstream at the consumer's appsrc is
// pushed upstream from the producer's appsink, where the depayloader and rtpbin/webrtcbin turn
// it into PLI/FIR (or the call's SIP INFO) toward the sender.
#pragma once

#include "media/gst_ptr.hpp"

#include <gst/gst.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace media {

class EncodedChannel {
public:
    // Audio (Opus, or the caller's decoded audio toward the link's encoder) has no keyframes
    // to ask for, and its timestamps must advance by the buffers' durations rather than by
    // their arrival jitter.
    enum class Media { Video, Audio };

    // The channel with this name, created on first use; it lives while someone holds it.
    static std::shared_ptr<EncodedChannel> get(const std::string& name, Media media = Media::Video);

    // Element descriptions for the two ends (names "<name>" in gst-launch syntax).
    static std::string sink_description(const std::string& element_name);
    static std::string src_description(const std::string& element_name, Media media = Media::Video);

    // The producer's appsink / consumer's appsrc; a new one replaces the previous (a rebuilt
    // pipeline). The channel keeps a reference, so a stopped pipeline's element stays safe.
    void attach_producer(GstElement* appsink);
    void attach_consumer(GstElement* appsrc);
    // The consumer wants a keyframe: ask upstream of the producer.
    void request_keyframe();
    // Video: keep the frames since the last keyframe (bounded) and hand them to a consumer that
    // starts, so it need not wait for the sender's next keyframe. A sender that does not answer
    // keyframe requests at once (RTP/AVP feedback rides on regular RTCP; some only follow their
    // GOP, 8-10 s) held the meeting link's offer that long.
    void keep_gop(bool on) { keep_gop_ = on; }

    [[nodiscard]] const std::string& name() const { return name_; }
    [[nodiscard]] uint64_t frames() const { return frames_.load(); }
    [[nodiscard]] uint64_t keyframes() const { return keyframes_.load(); }
    [[nodiscard]] uint64_t keyframe_requests() const { return requests_.load(); }

    EncodedChannel(std::string name, Media media) : name_(std::move(name)), media_(media) {}
    ~EncodedChannel();
    EncodedChannel(const EncodedChannel&) = delete;
    EncodedChannel& operator=(const EncodedChannel&) = delete;

private:
    static GstFlowReturn on_sample(GstElement* appsink, gpointer self);
    static GstPadProbeReturn on_upstream_event(GstPad*, GstPadProbeInfo*, gpointer self);
    void forward(GstSample* sample);
    void push(GstElement* consumer, GstSample* sample);
    // Under mutex_: the frames since the last keyframe (keep_gop), or empty.
    void remember(GstSample* sample, bool keyframe);
    // Audio: the consumer's running time for this packet, continuing the previous packet's
    // timeline while arrival and timeline agree (streaming thread of the producer).
    GstClockTime audio_timestamp(GstElement* consumer, GstBuffer* in);

    std::string name_;
    Media media_ = Media::Video;
    GstClockTime last_in_pts_ = GST_CLOCK_TIME_NONE;   // producer's timeline
    GstClockTime last_out_pts_ = GST_CLOCK_TIME_NONE;  // consumer's running time
    std::mutex mutex_;
    GstPtr<GstElement> producer_;
    GstPtr<GstElement> consumer_;
    gulong producer_handler_ = 0;
    gulong consumer_probe_ = 0;
    std::atomic<uint64_t> frames_{0};
    std::atomic<uint64_t> keyframes_{0};
    std::atomic<uint64_t> requests_{0};
    std::atomic<bool> consumer_waiting_{false};  // attached, not yet playing
    std::atomic<bool> keep_gop_{false};
    std::vector<std::unique_ptr<GstSample, GstMiniObjectUnref>>
        gop_;  // keep_gop: keyframe first, under mutex_
    size_t gop_bytes_ = 0;
};

}  // namespace media
