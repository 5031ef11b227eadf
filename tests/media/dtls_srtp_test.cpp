// DTLS-SRTP on the media engine (issue 12) against a far end that is a real GStreamer DTLS-SRTP
// peer (dtlssrtpenc/dtlssrtpdec with its own certificate) sending a PCMU tone, rtcp-mux: the
// handshake in either role, the tone back through SRTP, and fail closed when the peer's
// certificate is not the one the SDP fingerprint names (the call is told to end and not one
// SRTP packet reaches the peer).
#include "audio_collector.hpp"
#include "far_end_pipeline.hpp"
#include "media/dtls_identity.hpp"
#include "media/engine.hpp"
#include "media/rtp_sockets.hpp"
#include "test_call.hpp"
#include "test_loop.hpp"

#include <gst/app/gstappsink.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <atomic>
#include <mutex>

namespace media_test {
namespace {

class DtlsFarEnd {
public:
    explicit DtlsFarEnd(bool client) : client_(client) {
        socket_ = std::move(media::bind_udp("127.0.0.1", 0).value());
        identity_ = media::make_dtls_identity().value();
    }
    ~DtlsFarEnd() {
        if (pipeline_) gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    }
    DtlsFarEnd(const DtlsFarEnd&) = delete;
    DtlsFarEnd& operator=(const DtlsFarEnd&) = delete;

    [[nodiscard]] sip::DtlsFingerprint fingerprint() const {
        return *sip::parse_fingerprint(identity_.fingerprint);
    }

    // What answer_offer would give media/ for this peer; the gateway's role is the other one.
    [[nodiscard]] sip::NegotiatedMedia negotiated(const sip::LocalMediaPorts& gw,
                                                  const sip::DtlsFingerprint& claimed) const {
        sip::NegotiatedStream a;
        a.kind = sip::MediaKind::Audio;
        a.remote_address = "127.0.0.1";
        a.remote_rtp_port = a.remote_rtcp_port = media::local_port(socket_.get());
        a.rtcp_mux = true;
        a.local_rtp_port = a.local_rtcp_port = gw.audio_rtp;
        a.codec = sip::Codec{"PCMU", 0, 8000, 1, {}, {}};
        a.protection = sip::Protection::DtlsSrtp;
        a.dtls = sip::DtlsParams{!client_, claimed};
        sip::NegotiatedMedia m;
        m.audio = a;
        return m;
    }

    core::Status start(uint16_t gateway_port) {
        const std::string desc =
            "audiotestsrc is-live=true freq=1000 volume=0.5 ! "
            "audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay pt=0 ssrc=287454020 ! "
            "enc.rtp_sink_0 dtlssrtpenc name=enc ! udpsink name=out sync=false async=false "
            "udpsrc name=in caps=\"application/x-srtp,media=audio,clock-rate=8000,"
            "encoding-name=PCMU,payload=0\" ! dtlssrtpdec name=dec "
            // dtlssrtpdec's output says only application/x-rtp (rtpbin would map the payload
            // type; this far end has none).
            "dec.rtp_src ! capssetter caps=\"application/x-rtp,media=audio,clock-rate=8000,"
            "encoding-name=PCMU,payload=0\" ! rtpjitterbuffer latency=50 ! rtppcmudepay ! mulawdec "
            "! audioconvert ! "
            "audioresample ! audio/x-raw,format=S16LE,rate=16000,channels=1 ! "
            "appsink name=sink sync=false emit-signals=true "
            "dec.rtcp_src ! fakesink sync=false async=false";
        auto parsed = parse_pipeline(desc);
        if (!parsed) return core::fail("far end: " + parsed.error().message);
        pipeline_ = std::move(*parsed);
        GstElement* p = pipeline_.get();
        auto by_name = [&](const char* n) {
            return media::GstPtr<GstElement>(gst_bin_get_by_name(GST_BIN(p), n));
        };
        static std::atomic<int> counter{0};
        const std::string id = fmt::format("far-end-{}", counter.fetch_add(1));
        auto dec = by_name("dec");
        auto enc = by_name("enc");
        g_object_set(dec.get(), "pem", identity_.pem.c_str(), nullptr);
        g_object_set(dec.get(), "connection-id", id.c_str(), nullptr);
        g_object_set(enc.get(), "connection-id", id.c_str(), "is-client", client_ ? TRUE : FALSE,
                     nullptr);
        auto out = by_name("out");
        g_object_set(out.get(), "socket", socket_.get(), "close-socket", FALSE, "host", "127.0.0.1",
                     "port", static_cast<gint>(gateway_port), nullptr);
        auto in = by_name("in");
        g_object_set(in.get(), "socket", socket_.get(), "close-socket", FALSE, nullptr);
        media::GstPtr<GstPad> pad(gst_element_get_static_pad(in.get(), "src"));
        gst_pad_add_probe(pad.get(), GST_PAD_PROBE_TYPE_BUFFER, &DtlsFarEnd::on_datagram, this,
                          nullptr);
        audio_.attach(by_name("sink").get());
        if (gst_element_set_state(p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
            return core::fail("far end: pipeline does not start");
        return core::Ok{};
    }

    std::vector<int16_t> samples() const { return audio_.samples(); }
    int srtp_received() const { return srtp_.load(); }
    int dtls_received() const { return dtls_.load(); }
    int clear_tone_received() const { return clear_tone_.load(); }

private:
    static GstPadProbeReturn on_datagram(GstPad*, GstPadProbeInfo* info, gpointer data) {
        auto* self = static_cast<DtlsFarEnd*>(data);
        GstMapInfo map;
        GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info);
        if (gst_buffer_map(b, &map, GST_MAP_READ)) {
            // RFC 7983: 20-63 DTLS, 128-191 RTP/RTCP.
            if (map.size > 0 && map.data[0] >= 20 && map.data[0] <= 63) ++self->dtls_;
            if (map.size > 0 && map.data[0] >= 128 && map.data[0] <= 191) {
                ++self->srtp_;
                // The echoed 1000 Hz tone as clear PCMU repeats every 8 bytes; ciphertext
                // does not (1 in 256 by chance).
                if (map.size >= 12 + 160 && (map.data[1] & 0x7f) == 0) {
                    size_t same = 0;
                    for (size_t i = 12; i + 8 < 12 + 160; ++i)
                        same += map.data[i] == map.data[i + 8] ? 1 : 0;
                    if (same > 100) ++self->clear_tone_;
                }
            }
            gst_buffer_unmap(b, &map);
        }
        return GST_PAD_PROBE_OK;
    }

    bool client_;
    media::GObjectPtr<GSocket> socket_;
    media::DtlsIdentity identity_;
    testsupport::Pipeline pipeline_;
    AudioCollector audio_;
    std::atomic<int> srtp_{0}, dtls_{0}, clear_tone_{0};
};

class DtlsSrtpEcho : public ::testing::TestWithParam<bool> {};  // the far end is the client

TEST_P(DtlsSrtpEcho, ToneComesBackOverSrtpKeyedByTheHandshake) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    const auto ports = c.call->local_ports();
    ASSERT_FALSE(ports.dtls_fingerprint.empty());
    DtlsFarEnd far(GetParam());
    ASSERT_TRUE(far.start(ports.audio_rtp).ok());
    auto st = c.call->start(far.negotiated(ports, far.fingerprint()), media::Mode::Echo);
    ASSERT_TRUE(st.ok()) << st.error().message;
    const bool done = c.loop.run_until([&] { return far.samples().size() >= 16000 * 3; }, 30000);
    EXPECT_TRUE(done) << "samples back " << far.samples().size() << ", SRTP datagrams "
                      << far.srtp_received() << ", DTLS datagrams " << far.dtls_received();
    expect_tone(far.samples(), 1000);
    EXPECT_TRUE(c.errors.empty()) << c.errors.front();
    EXPECT_GT(far.dtls_received(), 0);
    EXPECT_EQ(far.clear_tone_received(), 0) << "the gateway sent the tone in the clear";
    const auto s = c.call->stats();
    ASSERT_TRUE(s.audio);
    EXPECT_EQ(s.audio->protection, "dtls-srtp");
    EXPECT_GT(s.audio->packets_in, 10U);  // audiotestsrc's 128 ms buffers: 8 packets a second

    // A re-INVITE with the same fingerprint and role keeps the DTLS session: media goes on and
    // no new handshake starts (DTLS is quiet once connected).
    const int handshake = far.dtls_received();
    const size_t before = far.samples().size();
    ASSERT_TRUE(c.call->update(far.negotiated(ports, far.fingerprint())).ok());
    EXPECT_TRUE(
        c.loop.run_until([&] { return far.samples().size() >= before + 16000 * 2; }, 30000));
    EXPECT_EQ(far.dtls_received(), handshake) << "the re-INVITE restarted the handshake";
    EXPECT_TRUE(c.errors.empty());
}

TEST_P(DtlsSrtpEcho, ReInviteWithANewFingerprintHandshakesAgain) {
    // The peer restarts its DTLS side with a new certificate (a new device behind the same
    // dialog, or a restarted endpoint) and re-INVITEs with its fingerprint: the gateway
    // handshakes again and the media flow under the new keys.
    Call c(test_config());
    ASSERT_TRUE(c.call);
    const auto ports = c.call->local_ports();
    auto first = std::make_unique<DtlsFarEnd>(GetParam());
    ASSERT_TRUE(first->start(ports.audio_rtp).ok());
    ASSERT_TRUE(
        c.call->start(first->negotiated(ports, first->fingerprint()), media::Mode::Echo).ok());
    ASSERT_TRUE(c.loop.run_until([&] { return first->samples().size() >= 16000; }, 30000));
    first.reset();
    DtlsFarEnd second(GetParam());
    ASSERT_TRUE(second.start(ports.audio_rtp).ok());
    ASSERT_TRUE(c.call->update(second.negotiated(ports, second.fingerprint())).ok());
    EXPECT_TRUE(c.loop.run_until([&] { return second.samples().size() >= 16000 * 2; }, 30000))
        << "no echo after the re-INVITE with a new fingerprint";
    EXPECT_TRUE(c.errors.empty()) << c.errors.front();
}

INSTANTIATE_TEST_SUITE_P(Roles, DtlsSrtpEcho, ::testing::Values(false, true), [](const auto& info) {
    return std::string(info.param ? "PeerActive" : "GatewayActive");
});

class DtlsSrtpWrongFingerprint : public ::testing::TestWithParam<bool> {};

TEST_P(DtlsSrtpWrongFingerprint, FailsClosed) {
    Call c(test_config());
    ASSERT_TRUE(c.call);
    const auto ports = c.call->local_ports();
    DtlsFarEnd far(GetParam());
    ASSERT_TRUE(far.start(ports.audio_rtp).ok());
    // The SDP names another certificate than the one the far end presents (a man in the
    // middle of the media path, or a rewritten SDP).
    const auto other = *sip::parse_fingerprint(media::make_dtls_identity()->fingerprint);
    auto st = c.call->start(far.negotiated(ports, other), media::Mode::Echo);
    ASSERT_TRUE(st.ok()) << st.error().message;
    ASSERT_TRUE(c.loop.run_until([&] { return !c.errors.empty(); }, 30000))
        << "no error for a certificate that does not match; DTLS datagrams " << far.dtls_received();
    EXPECT_NE(c.errors.front().find("its SDP said " + sip::format_fingerprint(other)),
              std::string::npos)
        << c.errors.front();
    EXPECT_GT(far.dtls_received(), 0);
    // The handshake itself completed (keys exist on both sides), yet nothing is sent under
    // them: the gateway's echo of the peer's tone would arrive within well under a second.
    EXPECT_FALSE(c.loop.run_until([&] { return far.srtp_received() > 0; }, 3000))
        << far.srtp_received() << " SRTP datagrams reached a peer with the wrong certificate";
    EXPECT_TRUE(far.samples().empty());
    const auto s = c.call->stats();
    ASSERT_TRUE(s.audio);
    EXPECT_EQ(s.audio->packets_in, 0U) << "media from an unverified peer was accepted";
}

INSTANTIATE_TEST_SUITE_P(Roles, DtlsSrtpWrongFingerprint, ::testing::Values(false, true),
                         [](const auto& info) {
                             return std::string(info.param ? "PeerActive" : "GatewayActive");
                         });

}  // namespace
}  // namespace media_test
