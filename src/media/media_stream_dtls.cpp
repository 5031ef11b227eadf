// DTLS-SRTP on the SIP leg (RFC 5763/5764): GStreamer's dtlssrtpdec takes every datagram of a
// socket, hands DTLS records (first byte 20-63) to its DTLS connection and SRTP (128-191) to
// srtpdec; dtlssrtpenc encrypts what rtpbin sends with the keys that handshake exported and
// sends the handshake's own records on the same socket. GStreamer accepts any peer
// certificate, so the check against the SDP's a=fingerprint is ours: until it passed, gates on
// both sides let nothing through, and a mismatch ends the call (fail closed).
#include "media/media_stream.hpp"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <memory>

namespace media {

namespace {

// GstDtlsConnectionState values (gst-plugins-bad ext/dtls, not public headers).
constexpr int kDtlsFailed = 2;
constexpr int kDtlsConnected = 4;

// A component's gate (MediaStream::dtls_state_) opens when both bits are set and never once
// refused. Verified alone is not enough: the certificate is checked mid-handshake, and until the
// keys are exported (they are by the time the connection says connected) dtlssrtpenc's srtpenc
// has no key, and what it is given then leaves in the clear (seen once on the wire in the
// baresip test, a single PCMU packet).
constexpr int kDtlsVerified = 1;
constexpr int kDtlsKeyed = 2;
constexpr int kDtlsRefused = 4;

// dtlssrtpenc finds its dtlssrtpdec by this id, process-wide: never reuse one, not even for
// the same call's next pipeline (the old one may still be finalizing).
std::string next_connection_id(const std::string& kind, int component) {
    static std::atomic<uint64_t> counter{0};
    return fmt::format("smgw-{}-{}-{}", kind, component, counter.fetch_add(1));
}

GstElement* make(const char* factory, const std::string& name) {
    return gst_element_factory_make(factory, name.c_str());
}

const char* component_name(int component) {
    return component == 0 ? "RTP" : "RTCP";
}

}  // namespace

// What a signal handler or pad probe needs: the stream (which outlives its pipeline: the
// owner stops the pipeline before destroying streams) and the component it watches.
struct MediaStream::DtlsProbe {
    MediaStream* self;
    int component;
    // For pad probes on the decoder's outputs: what the clear path's probes would do next.
    GstPadProbeCallback next = nullptr;
};

core::Status MediaStream::build_dtls(GstBin* pipeline, GstElement* rtpbin, GstElement* rtp_src,
                                     GstElement* rtcp_src) {
    if (!dtls_identity_) return core::fail("media: DTLS-SRTP without a local certificate");
    const auto& params = *negotiated_.dtls;
    const std::string k = name();
    const unsigned sid = session_id();
    dtls_state_[0] = dtls_state_[1] = 0;
    // Each probe or handler owns its DtlsProbe; GLib frees it with the probe or handler.
    auto new_probe = [this](int component, GstPadProbeCallback next = nullptr) {
        return std::make_unique<DtlsProbe>(DtlsProbe{this, component, next}).release();
    };
    auto free_probe = [](gpointer p) { std::unique_ptr<DtlsProbe>(static_cast<DtlsProbe*>(p)); };
    auto free_closure = [](gpointer p, GClosure*) {
        std::unique_ptr<DtlsProbe>(static_cast<DtlsProbe*>(p));
    };
    auto gate = [&](GstElement* element, const char* pad, int component,
                    GstPadProbeCallback next = nullptr) {
        GstPtr<GstPad> p(gst_element_get_static_pad(element, pad));
        if (!p) p.reset(gst_element_request_pad_simple(element, pad));
        if (!p) return false;
        // rtpbin may push lists (payloaders do); srtpdec's outputs, which the next probes
        // read, are single buffers.
        const auto type = next != nullptr
                              ? GST_PAD_PROBE_TYPE_BUFFER
                              : static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER |
                                                             GST_PAD_PROBE_TYPE_BUFFER_LIST);
        gst_pad_add_probe(p.get(), type, &MediaStream::on_dtls_gate, new_probe(component, next),
                          free_probe);
        return true;
    };

    // One pair per component; [1] only without rtcp-mux.
    GstElement* dec[2] = {nullptr, nullptr};
    GstElement* enc[2] = {nullptr, nullptr};
    const int components = rtcp_src != nullptr ? 2 : 1;
    for (int c = 0; c < components; ++c) {
        const std::string id = next_connection_id(k, c);
        dec[c] = make("dtlssrtpdec", fmt::format("{}_dtlsdec_{}", k, c));
        enc[c] = make("dtlssrtpenc", fmt::format("{}_dtlsenc_{}", k, c));
        if (dec[c] == nullptr || enc[c] == nullptr)
            return core::fail("media: dtlssrtpenc/dtlssrtpdec missing (gstreamer1.0-plugins-bad)");
        // The certificate before the id: the decoder makes its connection when it gets the id,
        // with the certificate it has then.
        g_object_set(dec[c], "pem", dtls_identity_->pem.c_str(), nullptr);
        g_object_set(dec[c], "connection-id", id.c_str(), nullptr);
        g_object_set(enc[c], "connection-id", id.c_str(), "is-client", params.client ? TRUE : FALSE,
                     nullptr);
        adopt(pipeline, dec[c]);
        adopt(pipeline, enc[c]);
        g_signal_connect_data(dec[c], "notify::peer-pem",
                              G_CALLBACK(&MediaStream::on_dtls_peer_pem), new_probe(c),
                              free_closure, GConnectFlags{});
        g_signal_connect_data(dec[c], "notify::connection-state",
                              G_CALLBACK(&MediaStream::on_dtls_state), new_probe(c), free_closure,
                              GConnectFlags{});
        if (!gst_element_link_pads(enc[c], "src", c == 0 ? rtp_sink_ : rtcp_sink_, "sink"))
            return core::fail("media: cannot link the " + k + " DTLS encoder to its socket");
    }
    dtls_rtp_enc_ = enc[0];
    if (!gst_element_link_pads(rtp_src, "src", dec[0], "sink") ||
        (rtcp_src != nullptr && !gst_element_link_pads(rtcp_src, "src", dec[1], "sink")))
        return core::fail("media: cannot link the " + k + " sockets to the DTLS decoders");

    // In: the gate, then what the clear path does (the source guard judges the decrypted
    // packets; with rtcp-mux, RTCP leaves the RTP component's decoder on its own pad).
    GstElement* rtcp_dec = dec[components - 1];
    if (!gate(dec[0], "rtp_src", 0, &MediaStream::on_rtp_in) ||
        !gate(rtcp_dec, "rtcp_src", components - 1, &MediaStream::on_rtcp_in))
        return core::fail("media: cannot watch the " + k + " DTLS decoders");
    if (!gst_element_link_pads(dec[0], "rtp_src", rtpbin,
                               fmt::format("recv_rtp_sink_{}", sid).c_str()) ||
        !gst_element_link_pads(rtcp_dec, "rtcp_src", rtpbin,
                               fmt::format("recv_rtcp_sink_{}", sid).c_str()))
        return core::fail("media: cannot link the " + k + " DTLS decoders to rtpbin");
    if (components == 2) {
        // Each decoder has both outputs; the unused ones get nothing a peer should send there
        // (RTCP on the RTP port, RTP on the RTCP port) and must not stop the pipeline.
        for (auto [element, pad] : {std::pair{dec[0], "rtcp_src"}, std::pair{dec[1], "rtp_src"}}) {
            GstElement* sink = gst_element_factory_make("fakesink", nullptr);
            g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
            adopt(pipeline, sink);
            if (!gst_element_link_pads(element, pad, sink, "sink"))
                return core::fail("media: cannot link an unused DTLS decoder output");
        }
    }

    // Out: RTP through the RTP component's encoder when the mode's chain links its sender
    // (link_rtp_sender); RTCP through its component's encoder here.
    GstElement* rtcp_enc = enc[components - 1];
    if (!gate(enc[0], "rtp_sink_0", 0) || !gate(rtcp_enc, "rtcp_sink_0", components - 1))
        return core::fail("media: cannot request the " + k + " DTLS encoders' inputs");
    if (!gst_element_link_pads(rtpbin, fmt::format("send_rtcp_src_{}", sid).c_str(), rtcp_enc,
                               "rtcp_sink_0"))
        return core::fail("media: cannot link rtpbin's RTCP through the DTLS encoder");
    spdlog::info("{} {} protection=dtls-srtp setup={} peer fingerprint {} components={}",
                 log_prefix_, k, params.client ? "active" : "passive",
                 sip::fingerprint_hash_name(params.remote_fingerprint.hash), components);
    return core::Ok{};
}

void MediaStream::on_dtls_peer_pem(GObject* dec, GParamSpec*, gpointer data) {
    const auto* probe = static_cast<DtlsProbe*>(data);
    MediaStream* self = probe->self;
    const char* kind = self->name();
    gchar* pem = nullptr;
    g_object_get(dec, "peer-pem", &pem, nullptr);
    const std::string text = pem != nullptr ? pem : "";
    g_free(pem);
    const auto& expected = self->negotiated_.dtls->remote_fingerprint;
    auto got = certificate_fingerprint(text, expected.hash);
    if (got && *got == expected) {
        self->dtls_state_[probe->component] |= kDtlsVerified;
        spdlog::info("{} {} dtls {}: the peer's certificate matches a=fingerprint ({})",
                     self->log_prefix_, kind, component_name(probe->component),
                     sip::fingerprint_hash_name(expected.hash));
        return;
    }
    self->dtls_state_[probe->component] |= kDtlsRefused;
    const std::string reason =
        got ? fmt::format("dtls {} {}: the peer's certificate is {}, its SDP said {}", kind,
                          component_name(probe->component), sip::format_fingerprint(*got),
                          sip::format_fingerprint(expected))
            : fmt::format("dtls {} {}: unreadable peer certificate ({})", kind,
                          component_name(probe->component), got.error().message);
    self->stream_failed(reason);
}

void MediaStream::on_dtls_state(GObject* dec, GParamSpec*, gpointer data) {
    const auto* probe = static_cast<DtlsProbe*>(data);
    MediaStream* self = probe->self;
    const char* kind = self->name();
    gint state = 0;
    g_object_get(dec, "connection-state", &state, nullptr);
    if (state == kDtlsConnected) {
        self->dtls_state_[probe->component] |= kDtlsKeyed;
        spdlog::info("{} {} dtls {} connected", self->log_prefix_, kind,
                     component_name(probe->component));
    } else if (state == kDtlsFailed) {
        self->stream_failed(
            fmt::format("dtls {} {}: handshake failed", kind, component_name(probe->component)));
    }
}

GstPadProbeReturn MediaStream::on_dtls_gate(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
    const auto* probe = static_cast<DtlsProbe*>(data);
    if (probe->self->dtls_state_[probe->component].load() != (kDtlsVerified | kDtlsKeyed))
        return GST_PAD_PROBE_DROP;
    if (probe->next == nullptr) return GST_PAD_PROBE_OK;
    return probe->next(pad, info, probe->self);
}

}  // namespace media
