// The 16-bit samples an appsink delivers, collected on its streaming thread for the test thread
// to read: what a far end heard from the gateway.
#pragma once

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <cstdint>
#include <mutex>
#include <vector>

namespace media_test {

class AudioCollector {
public:
    AudioCollector() = default;
    AudioCollector(const AudioCollector&) = delete;
    AudioCollector& operator=(const AudioCollector&) = delete;

    // `appsink` must have emit-signals=true and outlive the collector's use by it (the far end
    // stops its pipeline before the collector goes).
    void attach(GstElement* appsink) {
        g_signal_connect(appsink, "new-sample", G_CALLBACK(&AudioCollector::on_sample), this);
    }

    [[nodiscard]] std::vector<int16_t> samples() const {
        std::lock_guard lock(mutex_);
        return samples_;
    }
    [[nodiscard]] size_t size() const {
        std::lock_guard lock(mutex_);
        return samples_.size();
    }

private:
    static GstFlowReturn on_sample(GstElement* sink, gpointer data) {
        auto* self = static_cast<AudioCollector*>(data);
        GstSample* s = gst_app_sink_pull_sample(GST_APP_SINK(sink));
        if (s == nullptr) return GST_FLOW_OK;
        GstMapInfo map;
        if (gst_buffer_map(gst_sample_get_buffer(s), &map, GST_MAP_READ)) {
            const auto* v = reinterpret_cast<const int16_t*>(map.data);
            std::lock_guard lock(self->mutex_);
            self->samples_.insert(self->samples_.end(), v, v + map.size / 2);
            gst_buffer_unmap(gst_sample_get_buffer(s), &map);
        }
        gst_sample_unref(s);
        return GST_FLOW_OK;
    }

    mutable std::mutex mutex_;
    std::vector<int16_t> samples_;
};

}  // namespace media_test
