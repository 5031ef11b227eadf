#include "media/synthetic_caller.hpp"

#include "media/bridge_channels.hpp"
#include "media/encoded_channel.hpp"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <mutex>

namespace media {

std::string SyntheticCaller::description(const std::string& session_id,
                                         const SyntheticCallerOptions& o) {
    // The SMPTE bars scroll sideways and carry a clock, so every frame differs (an observer
    // that only counts decoded frames would not notice a frozen picture, a person would) and a
    // screenshot shows when it was taken. The tone is a plain sine: a meeting participant
    // (or the e2e observer's FFT) finds it by its frequency.
    return fmt::format(
        "videotestsrc is-live=true pattern=smpte horizontal-speed=4 ! "
        "video/x-raw,width={},height={},framerate={}/1 ! "
        "timeoverlay font-desc=\"Sans 36\" halignment=center valignment=bottom ! "
        "intervideosink sync=false channel={} "
        "audiotestsrc is-live=true wave=sine freq={} volume=0.4 ! "
        "audio/x-raw,rate=48000,channels=1 ! {}",
        o.width, o.height, o.fps, bridge_channel(session_id, true, BridgeDirection::ToPage),
        o.tone_hz, EncodedChannel::sink_description("audio_out"));
}

core::Result<std::unique_ptr<SyntheticCaller>> SyntheticCaller::start(
    const std::string& session_id, const SyntheticCallerOptions& options) {
    static std::once_flag once;
    std::call_once(once, [] {
        if (!gst_is_initialized()) gst_init(nullptr, nullptr);
    });
    auto caller = std::make_unique<SyntheticCaller>(Key{});
    GError* err = nullptr;
    GstElement* pipeline = gst_parse_launch(description(session_id, options).c_str(), &err);
    if (pipeline == nullptr || err != nullptr) {
        const std::string why = err != nullptr ? err->message : "unknown error";
        g_clear_error(&err);
        if (pipeline != nullptr) gst_object_unref(pipeline);
        return core::fail("synthetic caller: cannot build the pipeline: " + why);
    }
    caller->pipeline_.reset(pipeline);
    GstPtr<GstElement> audio_out(gst_bin_get_by_name(GST_BIN(pipeline), "audio_out"));
    if (!audio_out) return core::fail("synthetic caller: the audio sink is missing");
    caller->audio_ = EncodedChannel::get(bridge_channel(session_id, false, BridgeDirection::ToPage),
                                         EncodedChannel::Media::Audio);
    caller->audio_->attach_producer(audio_out.get());
    if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        auto st = caller->health();
        return core::fail("synthetic caller: cannot play" +
                          (st ? std::string() : ": " + st.error().message));
    }
    spdlog::info("media: sess={} synthetic caller: {}x{}@{} test pattern, {} Hz tone", session_id,
                 options.width, options.height, options.fps, options.tone_hz);
    return caller;
}

SyntheticCaller::~SyntheticCaller() {
    if (pipeline_) gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
}

core::Status SyntheticCaller::health() {
    GstPtr<GstBus> bus(gst_element_get_bus(pipeline_.get()));
    GstMessage* msg = gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR);
    if (msg == nullptr) return core::Ok{};
    GError* err = nullptr;
    gst_message_parse_error(msg, &err, nullptr);
    std::string why = err != nullptr ? err->message : "pipeline error";
    g_clear_error(&err);
    gst_message_unref(msg);
    return core::fail("synthetic caller: " + why);
}

}  // namespace media
