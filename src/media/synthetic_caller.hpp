// A caller made inside the gateway, for `sipmediagw probe-meeting`: a moving test pattern and a
// 440 Hz tone fed into a session's bridge channels (media/bridge_channels.hpp), where a SIP
// call's decoded media would arrive, so the meeting side (MeetingBridge, the page) runs exactly
// as for a transcoded call. No SIP, no sockets.
#pragma once

#include "core/result.hpp"
#include "media/gst_ptr.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace media {

class EncodedChannel;

struct SyntheticCallerOptions {
    uint32_t width = 1280;
    uint32_t height = 720;
    uint32_t fps = 30;
    double tone_hz = 440;
};

class SyntheticCaller {
public:
    struct Key {  // only start() makes one
        explicit Key() = default;
    };
    explicit SyntheticCaller(Key /*start() only*/) {}
    // Builds and plays the pipeline for `session_id`'s channels.
    static core::Result<std::unique_ptr<SyntheticCaller>> start(
        const std::string& session_id, const SyntheticCallerOptions& options = {});
    ~SyntheticCaller();
    SyntheticCaller(const SyntheticCaller&) = delete;
    SyntheticCaller& operator=(const SyntheticCaller&) = delete;

    // The pipeline's first error since the last call, if any (control thread: it pops the bus,
    // no watch or callback involved).
    [[nodiscard]] core::Status health();

    // The pipeline's text, for tests and logs.
    static std::string description(const std::string& session_id,
                                   const SyntheticCallerOptions& options);

private:
    GstPtr<GstElement> pipeline_;
    std::shared_ptr<EncodedChannel> audio_;  // the tone, toward the link's encoder
};

}  // namespace media
