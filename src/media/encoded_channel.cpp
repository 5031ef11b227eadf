#include "media/encoded_channel.hpp"

#include <spdlog/spdlog.h>

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include <map>

namespace media {

namespace {

std::mutex registry_mutex;
std::map<std::string, std::weak_ptr<EncodedChannel>>& registry() {
    static std::map<std::string, std::weak_ptr<EncodedChannel>> channels;
    return channels;
}

}  // namespace

std::shared_ptr<EncodedChannel> EncodedChannel::get(const std::string& name, Media media) {
    std::lock_guard lock(registry_mutex);
    auto& channels = registry();
    for (auto it = channels.begin(); it != channels.end();) {
        it = it->second.expired() ? channels.erase(it) : std::next(it);
    }
    if (auto existing = channels[name].lock()) return existing;
    auto channel = std::make_shared<EncodedChannel>(name, media);
    channels[name] = channel;
    return channel;
}

std::string EncodedChannel::sink_description(const std::string& element_name) {
    // Not synchronised: frames leave as soon as they are complete (latency), and the consumer's
    // clock stamps them anyway.
    return "appsink name=" + element_name +
           " emit-signals=true sync=false async=false max-buffers=30 drop=true";
}

std::string EncodedChannel::src_description(const std::string& element_name, Media media) {
    // Live and stamped with the consumer pipeline's own clock: the producer's timestamps belong
    // to another pipeline's base time. Video is stamped on arrival; audio by forward() (its
    // RTP timestamps must step by whole packets). Leaky, so a stalled consumer never blocks the
    // producer's streaming thread.
    return "appsrc name=" + element_name +
           " is-live=true format=time do-timestamp=" + (media == Media::Video ? "true" : "false") +
           " block=false max-bytes=4000000 leaky-type=downstream";
}

EncodedChannel::~EncodedChannel() {
    std::lock_guard lock(mutex_);
    if (producer_ && producer_handler_ != 0)
        g_signal_handler_disconnect(producer_.get(), producer_handler_);
    if (consumer_ && consumer_probe_ != 0) {
        GstPtr<GstPad> src(gst_element_get_static_pad(consumer_.get(), "src"));
        gst_pad_remove_probe(src.get(), consumer_probe_);
    }
}

void EncodedChannel::attach_producer(GstElement* appsink) {
    std::lock_guard lock(mutex_);
    if (producer_ && producer_handler_ != 0)
        g_signal_handler_disconnect(producer_.get(), producer_handler_);
    producer_.reset(GST_ELEMENT(gst_object_ref(appsink)));
    producer_handler_ = g_signal_connect(appsink, "new-sample", G_CALLBACK(on_sample), this);
}

void EncodedChannel::attach_consumer(GstElement* appsrc) {
    GstPtr<GstElement> old;
    {
        std::lock_guard lock(mutex_);
        if (consumer_ && consumer_probe_ != 0) {
            GstPtr<GstPad> src(gst_element_get_static_pad(consumer_.get(), "src"));
            gst_pad_remove_probe(src.get(), consumer_probe_);
        }
        old = std::move(consumer_);
        consumer_.reset(GST_ELEMENT(gst_object_ref(appsrc)));
        consumer_waiting_ = true;
        GstPtr<GstPad> src(gst_element_get_static_pad(appsrc, "src"));
        consumer_probe_ = gst_pad_add_probe(src.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
                                            on_upstream_event, this, nullptr);
    }
    // A new consumer cannot start before a keyframe.
    request_keyframe();
}

GstFlowReturn EncodedChannel::on_sample(GstElement* appsink, gpointer data) {
    auto* self = static_cast<EncodedChannel*>(data);
    GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(appsink));
    if (sample == nullptr) return GST_FLOW_OK;
    self->forward(sample);
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

namespace {
// Bounds of a kept GOP (keep_gop), about 3 s at 30 fps: a longer one would reach a starting
// consumer as one burst that loopback UDP drops; past them it waits for a keyframe as before.
constexpr size_t kGopMaxFrames = 90;
constexpr size_t kGopMaxBytes = size_t{2} * 1024 * 1024;
}  // namespace

void EncodedChannel::remember(GstSample* sample, bool keyframe) {
    if (!keep_gop_ || media_ != Media::Video) return;
    if (keyframe) {
        gop_.clear();
        gop_bytes_ = 0;
    } else if (gop_.empty()) {
        return;  // no keyframe to start from
    }
    gop_bytes_ += gst_buffer_get_size(gst_sample_get_buffer(sample));
    if (gop_.size() >= kGopMaxFrames || gop_bytes_ > kGopMaxBytes) {
        gop_.clear();
        gop_bytes_ = 0;
        return;
    }
    gop_.emplace_back(gst_sample_ref(sample));
}

void EncodedChannel::forward(GstSample* sample) {
    GstBuffer* in = gst_sample_get_buffer(sample);
    if (in == nullptr) return;
    const uint64_t n = frames_++;
    const bool keyframe = !GST_BUFFER_FLAG_IS_SET(in, GST_BUFFER_FLAG_DELTA_UNIT);
    if (keyframe && keyframes_++ == 0)
        spdlog::debug("media: channel {} first keyframe (frame {})", name_, n);
    if (n == 0) spdlog::debug("media: channel {} first frame keyframe={}", name_, keyframe);
    GstPtr<GstElement> consumer;
    std::vector<std::unique_ptr<GstSample, GstMiniObjectUnref>> replay;
    bool starting = false;
    {
        std::lock_guard lock(mutex_);
        remember(sample, keyframe);
        if (!consumer_) return;
        consumer.reset(GST_ELEMENT(gst_object_ref(consumer_.get())));
        // Until its pipeline plays, appsrc would queue these with no clock to stamp them (and
        // send a stale burst later); the consumer asks for a keyframe when it needs one.
        if (GST_STATE(consumer.get()) != GST_STATE_PLAYING) {
            consumer_waiting_ = true;
            return;
        }
        // It starts now: the keyframe asked for when it attached went by while it could not
        // take it (and an H.264 parser drops everything until SPS/PPS and an IDR). The frames
        // kept since the last keyframe (ending with this one) let it start at once.
        starting = consumer_waiting_.exchange(false);
        if (starting && !keyframe)
            for (const auto& kept : gop_) replay.emplace_back(gst_sample_ref(kept.get()));
    }
    if (starting) {
        spdlog::debug("media: channel {} consumer starts, {} kept frames", name_, replay.size());
        request_keyframe();
    }
    if (replay.empty()) {
        push(consumer.get(), sample);
        return;
    }
    for (const auto& kept : replay) push(consumer.get(), kept.get());
}

void EncodedChannel::push(GstElement* consumer, GstSample* sample) {
    GstBuffer* in = gst_sample_get_buffer(sample);
    // The memory is shared, only the metadata is copied; appsrc stamps video (do-timestamp).
    GstBuffer* out = gst_buffer_copy(in);
    GST_BUFFER_PTS(out) = GST_BUFFER_DTS(out) = GST_BUFFER_DURATION(out) = GST_CLOCK_TIME_NONE;
    if (media_ == Media::Audio) GST_BUFFER_PTS(out) = audio_timestamp(consumer, in);
    GstAppSrc* src = GST_APP_SRC(consumer);
    GstCaps* caps = gst_sample_get_caps(sample);
    GstCaps* current = gst_app_src_get_caps(src);
    if (caps != nullptr && (current == nullptr || !gst_caps_is_equal(caps, current)))
        gst_app_src_set_caps(src, caps);
    if (current != nullptr) gst_caps_unref(current);
    gst_app_src_push_buffer(src, out);  // takes `out`; FLUSHING when stopped, which is fine
}

GstClockTime EncodedChannel::audio_timestamp(GstElement* consumer, GstBuffer* in) {
    GstPtr<GstClock> clock(gst_element_get_clock(consumer));
    if (!clock) return GST_CLOCK_TIME_NONE;
    const GstClockTime now = gst_clock_get_time(clock.get()) - gst_element_get_base_time(consumer);
    const GstClockTime in_pts = GST_BUFFER_PTS(in);
    GstClockTime out = now;
    // Follow the sender's timeline (its packet spacing) while it stays near our clock; a gap
    // (loss, DTX, a new stream) or drift beyond the jitter we tolerate starts again from now.
    constexpr GstClockTime kTolerance = 80 * GST_MSECOND;
    if (GST_CLOCK_TIME_IS_VALID(in_pts) && GST_CLOCK_TIME_IS_VALID(last_in_pts_) &&
        GST_CLOCK_TIME_IS_VALID(last_out_pts_) && in_pts > last_in_pts_) {
        const GstClockTime next = last_out_pts_ + (in_pts - last_in_pts_);
        const GstClockTime diff = next > now ? next - now : now - next;
        if (diff <= kTolerance) out = next;
    }
    last_in_pts_ = in_pts;
    last_out_pts_ = out;
    return out;
}

GstPadProbeReturn EncodedChannel::on_upstream_event(GstPad*, GstPadProbeInfo* info, gpointer data) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    if (!gst_video_event_is_force_key_unit(event)) return GST_PAD_PROBE_OK;
    static_cast<EncodedChannel*>(data)->request_keyframe();
    return GST_PAD_PROBE_HANDLED;
}

void EncodedChannel::request_keyframe() {
    if (media_ != Media::Video) return;  // every Opus packet stands alone
    GstPtr<GstElement> producer;
    {
        std::lock_guard lock(mutex_);
        if (!producer_) return;
        producer.reset(GST_ELEMENT(gst_object_ref(producer_.get())));
    }
    requests_++;
    GstPtr<GstPad> sink(gst_element_get_static_pad(producer.get(), "sink"));
    // all-headers: SPS/PPS with the keyframe, which a consumer that joins late needs.
    gst_pad_push_event(sink.get(),
                       gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

}  // namespace media
