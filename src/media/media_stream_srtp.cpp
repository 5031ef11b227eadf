// SRTP on the SIP leg (SDES keys from sip/sdes.hpp): srtpdec sits between the sockets and
// rtpbin, srtpenc between rtpbin and the senders, so SRTCP (RTCP feedback, PLI/FIR) is
// protected like the media. The source guard (rtp_source_guard.hpp) judges the decrypted
// packets, so only authenticated packets latch a NATed peer or type DTMF; what srtpdec drops
// (authentication or replay check failed) is counted as stray.
#include "media/media_stream.hpp"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

namespace media {

namespace {

// srtpdec makes one libsrtp stream per SSRC it is given a key for; a peer has a handful (one
// per restart), so more than this is someone spraying SSRCs at our port.
constexpr unsigned kMaxSrtpSsrcs = 16;

struct SrtpCiphers {
    const char* rtp_cipher;
    const char* rtp_auth;
    const char* rtcp_cipher;
    const char* rtcp_auth;
};

std::optional<SrtpCiphers> ciphers_for(const std::string& suite) {
    // RFC 4568 §6.2.2: with AES_CM_128_HMAC_SHA1_32, SRTCP still carries the 80-bit tag.
    if (suite == "AES_CM_128_HMAC_SHA1_80")
        return SrtpCiphers{"aes-128-icm", "hmac-sha1-80", "aes-128-icm", "hmac-sha1-80"};
    if (suite == "AES_CM_128_HMAC_SHA1_32")
        return SrtpCiphers{"aes-128-icm", "hmac-sha1-32", "aes-128-icm", "hmac-sha1-80"};
    if (suite == "AES_256_CM_HMAC_SHA1_80")
        return SrtpCiphers{"aes-256-icm", "hmac-sha1-80", "aes-256-icm", "hmac-sha1-80"};
    // AEAD suites authenticate with the cipher itself (RFC 7714): no separate auth.
    if (suite == "AEAD_AES_128_GCM")
        return SrtpCiphers{"aes-128-gcm", "null", "aes-128-gcm", "null"};
    if (suite == "AEAD_AES_256_GCM")
        return SrtpCiphers{"aes-256-gcm", "null", "aes-256-gcm", "null"};
    return std::nullopt;
}

GstBuffer* buffer_of(const std::vector<uint8_t>& bytes) {
    return gst_buffer_new_memdup(bytes.data(), bytes.size());
}

GstPadProbeReturn count_into(GstPad*, GstPadProbeInfo*, gpointer counter) {
    ++*static_cast<std::atomic<uint64_t>*>(counter);
    return GST_PAD_PROBE_OK;
}

}  // namespace

core::Status MediaStream::build_srtp(GstBin* pipeline, GstElement* rtpbin, GstElement* rtp_src,
                                     GstElement* rtcp_src) {
    const auto& srtp = *negotiated_.srtp;
    const auto c = ciphers_for(srtp.suite);
    if (!c) return core::fail("media: unsupported SRTP suite " + srtp.suite);
    const std::string k = name();
    const unsigned sid = session_id();
    srtpdec_ = gst_element_factory_make("srtpdec", (k + "_srtpdec").c_str());
    srtpenc_ = gst_element_factory_make("srtpenc", (k + "_srtpenc").c_str());
    if (srtpdec_ == nullptr || srtpenc_ == nullptr)
        return core::fail("media: srtpenc/srtpdec missing (gstreamer1.0-plugins-bad)");
    adopt(pipeline, srtpdec_);
    adopt(pipeline, srtpenc_);

    // The peer's key, handed to srtpdec for each SSRC it meets (SDES keys every SSRC alike).
    BufferPtr remote_key(buffer_of(srtp.remote_key));
    GstCaps* key_caps = gst_caps_new_simple(
        "application/x-srtp", "srtp-key", GST_TYPE_BUFFER, remote_key.get(), "srtp-cipher",
        G_TYPE_STRING, c->rtp_cipher, "srtp-auth", G_TYPE_STRING, c->rtp_auth, "srtcp-cipher",
        G_TYPE_STRING, c->rtcp_cipher, "srtcp-auth", G_TYPE_STRING, c->rtcp_auth, nullptr);
    if (srtp.remote_mki_length > 0) {
        std::vector<uint8_t> mki(srtp.remote_mki_length);
        for (size_t i = 0; i < mki.size(); ++i)
            mki[i] = static_cast<uint8_t>(srtp.remote_mki >> (8 * (mki.size() - 1 - i)));
        BufferPtr mki_buffer(buffer_of(mki));
        gst_caps_set_simple(key_caps, "mki", GST_TYPE_BUFFER, mki_buffer.get(), nullptr);
    }
    srtp_key_caps_.reset(key_caps);
    srtp_ssrcs_ = 0;
    g_signal_connect(srtpdec_, "request-key", G_CALLBACK(&MediaStream::on_request_key), this);

    BufferPtr local_key(buffer_of(srtp.local_key));
    g_object_set(srtpenc_, "key", local_key.get(), nullptr);
    // Enum properties from their nicks (g_object_set would read a string as an integer).
    gst_util_set_object_arg(G_OBJECT(srtpenc_), "rtp-cipher", c->rtp_cipher);
    gst_util_set_object_arg(G_OBJECT(srtpenc_), "rtp-auth", c->rtp_auth);
    gst_util_set_object_arg(G_OBJECT(srtpenc_), "rtcp-cipher", c->rtcp_cipher);
    gst_util_set_object_arg(G_OBJECT(srtpenc_), "rtcp-auth", c->rtcp_auth);

    // In: every datagram is counted into srtpdec; what comes out decrypted is judged by the
    // guard (on_rtp_in / on_rtcp_in), as clear RTP is.
    GstPtr<GstPad> rtp_in(gst_element_get_static_pad(rtp_src, "src"));
    gst_pad_add_probe(rtp_in.get(), GST_PAD_PROBE_TYPE_BUFFER, &count_into, &srtp_in_, nullptr);
    if (!gst_element_link_pads(rtp_src, "src", srtpdec_, "rtp_sink"))
        return core::fail("media: cannot link the " + k + " RTP socket to srtpdec");
    if (rtcp_src != nullptr) {
        GstPtr<GstPad> rtcp_in(gst_element_get_static_pad(rtcp_src, "src"));
        gst_pad_add_probe(rtcp_in.get(), GST_PAD_PROBE_TYPE_BUFFER, &count_into, &srtp_in_,
                          nullptr);
        if (!gst_element_link_pads(rtcp_src, "src", srtpdec_, "rtcp_sink"))
            return core::fail("media: cannot link the " + k + " RTCP socket to srtpdec");
    }
    GstPtr<GstPad> rtp_out(gst_element_get_static_pad(srtpdec_, "rtp_src"));
    GstPtr<GstPad> rtcp_out(gst_element_get_static_pad(srtpdec_, "rtcp_src"));
    gst_pad_add_probe(rtp_out.get(), GST_PAD_PROBE_TYPE_BUFFER, &count_into, &srtp_out_, nullptr);
    gst_pad_add_probe(rtcp_out.get(), GST_PAD_PROBE_TYPE_BUFFER, &count_into, &srtp_out_, nullptr);
    srtp_rtp_out_ = 0;
    if (srtp.remote_lifetime != 0)
        gst_pad_add_probe(rtp_out.get(), GST_PAD_PROBE_TYPE_BUFFER, &MediaStream::on_srtp_lifetime,
                          this, nullptr);
    gst_pad_add_probe(rtp_out.get(), GST_PAD_PROBE_TYPE_BUFFER, &MediaStream::on_rtp_in, this,
                      nullptr);
    gst_pad_add_probe(rtcp_out.get(), GST_PAD_PROBE_TYPE_BUFFER, &MediaStream::on_rtcp_in, this,
                      nullptr);
    if (!gst_element_link_pads(srtpdec_, "rtp_src", rtpbin,
                               fmt::format("recv_rtp_sink_{}", sid).c_str()) ||
        !gst_element_link_pads(srtpdec_, "rtcp_src", rtpbin,
                               fmt::format("recv_rtcp_sink_{}", sid).c_str()))
        return core::fail("media: cannot link srtpdec to rtpbin");

    // Out: RTCP through srtpenc here; RTP when the mode's chain links its sender.
    if (!gst_element_link_pads(rtpbin, fmt::format("send_rtcp_src_{}", sid).c_str(), srtpenc_,
                               "rtcp_sink_0") ||
        !gst_element_link_pads(srtpenc_, "rtcp_src_0", rtcp_sink_, "sink"))
        return core::fail("media: cannot link rtpbin's RTCP through srtpenc");
    spdlog::info("{} {} protection=sdes-srtp suite={}", log_prefix_, k, srtp.suite);
    return core::Ok{};
}

bool MediaStream::link_rtp_sender(GstElement* rtpbin) {
    const std::string src = fmt::format("send_rtp_src_{}", session_id());
    if (dtls_rtp_enc_ != nullptr)
        return gst_element_link_pads(rtpbin, src.c_str(), dtls_rtp_enc_, "rtp_sink_0");
    if (srtpenc_ == nullptr) return gst_element_link_pads(rtpbin, src.c_str(), rtp_sink_, "sink");
    return gst_element_link_pads(rtpbin, src.c_str(), srtpenc_, "rtp_sink_0") &&
           gst_element_link_pads(srtpenc_, "rtp_src_0", rtp_sink_, "sink");
}

GstPadProbeReturn MediaStream::on_srtp_lifetime(GstPad*, GstPadProbeInfo*, gpointer data) {
    // RFC 4568 §6.1: the peer's key is good for its lifetime's number of packets; a peer that
    // goes past it without re-keying (re-INVITE with a new a=crypto, which rebuilds this
    // pipeline and starts the count again) ends the call rather than being trusted further.
    auto* self = static_cast<MediaStream*>(data);
    const uint64_t lifetime = self->negotiated_.srtp->remote_lifetime;
    if (self->srtp_rtp_out_.fetch_add(1) < lifetime) return GST_PAD_PROBE_OK;
    self->stream_failed(
        fmt::format("srtp {}: the peer's key lifetime of {} packets is used up "
                    "and it did not re-key",
                    self->name(), lifetime));
    return GST_PAD_PROBE_DROP;
}

GstCaps* MediaStream::on_request_key(GstElement*, guint ssrc, gpointer data) {
    auto* self = static_cast<MediaStream*>(data);
    // Runs with srtpdec's lock held: only immutable caps and an atomic here.
    if (!self->srtp_key_caps_) return nullptr;
    if (self->srtp_ssrcs_.fetch_add(1) >= kMaxSrtpSsrcs) {
        spdlog::debug("{} srtp: no key for SSRC {:08x} (more than {} SSRCs)", self->log_prefix_,
                      ssrc, kMaxSrtpSsrcs);
        return nullptr;
    }
    return gst_caps_ref(self->srtp_key_caps_.get());
}

}  // namespace media
