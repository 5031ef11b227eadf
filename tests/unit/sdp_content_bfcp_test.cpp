// Content line (RFC 4796) and BFCP line (RFC 8856) in the offer/answer (issue 14): the gateway
// answers as floor control server, refuses with port 0 what it cannot do, and a content line
// without BFCP stays plain video.
#include "sip/bfcp_sdp.hpp"
#include "sip/dtls_fingerprint.hpp"
#include "sip/offer_answer.hpp"
#include "sip/sdp.hpp"

#include <gtest/gtest.h>

namespace {

sip::LocalMediaPorts main_ports() {
    sip::LocalMediaPorts p;
    p.address = "127.0.0.1";
    p.audio_rtp = 20000;
    p.audio_rtcp = 20001;
    p.video_rtp = 20002;
    p.video_rtcp = 20003;
    return p;
}

sip::LocalMediaPorts ports() {
    sip::LocalMediaPorts p = main_ports();
    p.content_rtp = 20004;
    p.content_rtcp = 20005;
    p.bfcp_udp = 20006;
    p.bfcp_tcp = 20007;
    p.bfcp_conference_id = 4321;
    p.bfcp_user_id = 7;
    return p;
}

const std::string kHead =
    "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
    "m=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\na=content:main\r\na=label:1\r\n";

const std::string kContent =
    "m=video 4004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\na=content:slides\r\na=label:3\r\n";

std::string bfcp_line(const std::string& proto, const std::string& extra) {
    return "m=application 5070 " + proto + " *\r\n" + extra;
}

sip::Negotiation answer(const std::string& sdp, const sip::LocalMediaPorts& p = ports()) {
    return sip::answer_offer(sdp, sip::CodecPreferences{}, p, sip::SdpOrigin{42, 1});
}

// The answer's m= line at `index`, parsed.
sip::SdpMedia line(const sip::Negotiation& n, size_t index) {
    auto parsed = sip::parse_sdp(n.sdp);
    EXPECT_TRUE(parsed.ok()) << n.sdp;
    if (!parsed || parsed->media.size() <= index) return {};
    return parsed->media[index];
}

// What decides whether a relayed call gets content and BFCP relays.
TEST(ContentBfcp, ContentOrFloorIsToldFromTheOffer) {
    const auto has = [](const std::string& sdp) {
        auto parsed = sip::parse_sdp(sdp);
        EXPECT_TRUE(parsed.ok()) << sdp;
        return parsed && sip::has_content_or_floor(*parsed);
    };
    EXPECT_FALSE(has(kHead));  // a=content:main is the main picture
    EXPECT_TRUE(has(kHead + kContent));
    EXPECT_TRUE(has(kHead + bfcp_line("UDP/BFCP", "a=floorctrl:c-only\r\n")));
    EXPECT_TRUE(has(kHead + bfcp_line("TCP/TLS/BFCP", "a=floorctrl:c-only\r\n")));
    EXPECT_FALSE(has(kHead + bfcp_line("UDP/TLS/RTP/SAVPF", "")));
}

TEST(ContentBfcp, ContentWithoutBfcpIsPlainVideo) {
    auto n = answer(kHead + kContent);
    ASSERT_TRUE(n.ok()) << n.failure->detail;
    ASSERT_TRUE(n.media.video);
    ASSERT_TRUE(n.media.content);
    EXPECT_FALSE(n.media.bfcp);
    EXPECT_EQ(n.media.video->remote_rtp_port, 4002);
    EXPECT_EQ(n.media.content->remote_rtp_port, 4004);
    EXPECT_EQ(n.media.content->local_rtp_port, 20004);
    EXPECT_EQ(n.media.content->local_rtcp_port, 20005);
    EXPECT_EQ(n.media.content->codec.name, "H264");
    EXPECT_EQ(n.media.content->direction, sip::Direction::SendRecv);
    const auto c = line(n, 2);
    EXPECT_EQ(c.port, 20004);
    EXPECT_EQ(c.attribute("content"), "slides");
    EXPECT_EQ(c.attribute("label"), "3");
    EXPECT_TRUE(c.has_attribute("sendrecv"));
    // The main line carries no content attribute of ours: it is the main picture.
    EXPECT_EQ(line(n, 1).port, 20002);
    EXPECT_FALSE(line(n, 1).has_attribute("content"));
}

TEST(ContentBfcp, UdpClientOnlyIsAnsweredAsServer) {
    auto n = answer(
        kHead + kContent +
        bfcp_line("UDP/BFCP", "a=floorctrl:c-only\r\na=floorid:2 mstrm:3\r\na=bfcpver:1 2\r\n"));
    ASSERT_TRUE(n.ok());
    ASSERT_TRUE(n.media.bfcp);
    EXPECT_EQ(n.media.bfcp->transport, sip::BfcpTransport::Udp);
    EXPECT_EQ(n.media.bfcp->remote_address, "10.0.0.5");
    EXPECT_EQ(n.media.bfcp->remote_port, 5070);
    EXPECT_EQ(n.media.bfcp->local_port, 20006);
    EXPECT_EQ(n.media.bfcp->conference_id, 4321u);
    EXPECT_EQ(n.media.bfcp->user_id, 7);
    EXPECT_EQ(n.media.bfcp->floor_id, 2);
    EXPECT_EQ(n.media.bfcp->content_label, "3");
    EXPECT_TRUE(n.bfcp_refused.empty());
    const auto b = line(n, 3);
    EXPECT_EQ(b.media, "application");
    EXPECT_EQ(b.port, 20006);
    EXPECT_EQ(b.proto, "UDP/BFCP");
    EXPECT_EQ(b.formats, std::vector<std::string>{"*"});
    EXPECT_EQ(b.attribute("floorctrl"), "s-only");
    EXPECT_EQ(b.attribute("confid"), "4321");
    EXPECT_EQ(b.attribute("userid"), "7");
    EXPECT_EQ(b.attribute("floorid"), "2 mstrm:3");
    EXPECT_EQ(b.attribute("bfcpver"), "2");  // UDP is version 2 only (RFC 8855)
    EXPECT_FALSE(b.has_attribute("setup"));
}

TEST(ContentBfcp, ClientOrServerOfferMakesUsServer) {
    auto n = answer(kHead + kContent + bfcp_line("UDP/BFCP", "a=floorctrl:c-s\r\n"));
    ASSERT_TRUE(n.media.bfcp);
    EXPECT_EQ(line(n, 3).attribute("floorctrl"), "s-only");
}

TEST(ContentBfcp, ServerOnlyOfferIsRefusedWithPortZero) {
    auto n = answer(kHead + kContent + bfcp_line("UDP/BFCP", "a=floorctrl:s-only\r\n"));
    ASSERT_TRUE(n.ok());
    EXPECT_FALSE(n.media.bfcp);
    EXPECT_NE(n.bfcp_refused.find("s-only"), std::string::npos) << n.bfcp_refused;
    EXPECT_EQ(line(n, 3).port, 0);
    EXPECT_TRUE(n.media.content);  // the content line stays, as plain video
}

TEST(ContentBfcp, MissingFlooridMeansFloorOne) {
    auto n = answer(kHead + kContent + bfcp_line("UDP/BFCP", "a=floorctrl:c-only\r\n"));
    ASSERT_TRUE(n.media.bfcp);
    EXPECT_EQ(n.media.bfcp->floor_id, 1);
    EXPECT_EQ(line(n, 3).attribute("floorid"), "1 mstrm:3");
    EXPECT_FALSE(line(n, 3).has_attribute("bfcpver"));
}

TEST(ContentBfcp, OldMStreamSyntaxAndNoLabel) {
    const std::string unlabelled =
        "m=video 4004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 packetization-mode=1\r\na=content:slides\r\n";
    auto n = answer(kHead + unlabelled + bfcp_line("UDP/BFCP", "a=floorid:5 m-stream:9\r\n"));
    ASSERT_TRUE(n.media.bfcp);
    EXPECT_EQ(n.media.bfcp->floor_id, 5);
    EXPECT_EQ(line(n, 2).attribute("label"), "2");
    EXPECT_EQ(line(n, 3).attribute("floorid"), "5 mstrm:2");
}

// Several floors (one per stream an endpoint can share): ours is the one naming our content
// line, wherever it sits and whatever the syntax.
TEST(ContentBfcp, TheFloorNamingTheContentLineIsTaken) {
    for (const std::string floors :
         {"a=floorid:1 mstrm:1\r\na=floorid:4 mstrm:3\r\n", "a=floorid:7 mstrm:9 3\r\n",
          "a=floorid:2 m-stream:1\r\na=floorid:4 m-stream:5 3\r\n",
          "a=floorid:x mstrm:3\r\na=floorid:4 mstrm:3\r\n"}) {
        auto n = answer(kHead + kContent + bfcp_line("UDP/BFCP", floors));
        ASSERT_TRUE(n.media.bfcp) << floors;
        const uint16_t want = floors.find("a=floorid:7") != std::string::npos ? 7 : 4;
        EXPECT_EQ(n.media.bfcp->floor_id, want) << floors;
        EXPECT_EQ(line(n, 3).attribute("floorid"), std::to_string(want) + " mstrm:3");
    }
    // No floor names our line: the first offered.
    auto n = answer(kHead + kContent +
                    bfcp_line("UDP/BFCP",
                              "a=floorid:6 mstrm:8\r\n"
                              "a=floorid:9 mstrm:10\r\n"));
    ASSERT_TRUE(n.media.bfcp);
    EXPECT_EQ(n.media.bfcp->floor_id, 6);
}

// A c-s endpoint may put its own confid/userid in the offer; the server's ids are ours.
TEST(ContentBfcp, OfferedIdsAreReplacedByOurs) {
    auto n = answer(kHead + kContent +
                    bfcp_line("UDP/BFCP", "a=floorctrl:c-s\r\na=confid:99\r\na=userid:5\r\n"));
    ASSERT_TRUE(n.media.bfcp);
    EXPECT_EQ(n.media.bfcp->conference_id, 4321u);
    EXPECT_EQ(n.media.bfcp->user_id, 7);
    EXPECT_EQ(line(n, 3).attribute("confid"), "4321");
    EXPECT_EQ(line(n, 3).attribute("userid"), "7");
}

TEST(ContentBfcp, TcpActiveOrActpassWeListen) {
    for (const std::string setup : {"a=setup:actpass\r\n", "a=setup:active\r\n", ""}) {
        auto n = answer(kHead + kContent +
                        bfcp_line("TCP/BFCP", setup + "a=connection:new\r\na=floorctrl:c-s\r\n"
                                                      "a=bfcpver:1\r\na=floorid:1 mstrm:3\r\n"));
        ASSERT_TRUE(n.media.bfcp) << setup << n.bfcp_refused;
        EXPECT_EQ(n.media.bfcp->transport, sip::BfcpTransport::Tcp);
        EXPECT_EQ(n.media.bfcp->local_port, 20007);
        const auto b = line(n, 3);
        EXPECT_EQ(b.proto, "TCP/BFCP");
        EXPECT_EQ(b.port, 20007);
        EXPECT_EQ(b.attribute("setup"), "passive");
        EXPECT_EQ(b.attribute("connection"), "new");
        EXPECT_EQ(b.attribute("bfcpver"), "1");
    }
}

TEST(ContentBfcp, TcpPassiveIsRefused) {
    auto n = answer(kHead + kContent + bfcp_line("TCP/BFCP", "a=setup:passive\r\n"));
    EXPECT_FALSE(n.media.bfcp);
    EXPECT_EQ(line(n, 3).port, 0);
    EXPECT_NE(n.bfcp_refused.find("setup:passive"), std::string::npos);
}

const std::string kOurFingerprint =
    "sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:"
    "CC:DD:EE:FF";
const std::string kRoomFingerprint =
    "sha-256 AB:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:"
    "CC:DD:EE:01";

sip::LocalMediaPorts tls_ports() {
    auto p = ports();
    p.bfcp_tls = true;
    p.dtls_fingerprint = kOurFingerprint;
    return p;
}

TEST(ContentBfcp, TcpTlsIsAnsweredWithOurFingerprint) {
    auto n = answer(kHead + kContent +
                        bfcp_line("TCP/TLS/BFCP",
                                  "a=setup:actpass\r\na=connection:new\r\n"
                                  "a=floorctrl:c-s\r\na=fingerprint:" +
                                      kRoomFingerprint + "\r\n"),
                    tls_ports());
    ASSERT_TRUE(n.ok());
    ASSERT_TRUE(n.media.bfcp) << n.bfcp_refused;
    EXPECT_EQ(n.media.bfcp->transport, sip::BfcpTransport::Tls);
    ASSERT_TRUE(n.media.bfcp->remote_fingerprint);
    EXPECT_EQ(sip::format_fingerprint(*n.media.bfcp->remote_fingerprint), kRoomFingerprint);
    const auto b = line(n, 3);
    EXPECT_EQ(b.proto, "TCP/TLS/BFCP");
    EXPECT_EQ(b.port, 20007);  // the TCP listener: TLS starts on the accepted connection
    EXPECT_EQ(b.attribute("setup"), "passive");
    EXPECT_EQ(b.attribute("connection"), "new");
    EXPECT_EQ(b.attribute("fingerprint"), kOurFingerprint);
    EXPECT_EQ(b.attribute("floorctrl"), "s-only");
}

TEST(ContentBfcp, TcpTlsTakesTheSessionLevelFingerprint) {
    std::string head = kHead;
    head.insert(head.find("m=audio"), "a=fingerprint:" + kRoomFingerprint + "\r\n");
    auto n = answer(head + kContent + bfcp_line("TCP/TLS/BFCP", "a=setup:active\r\n"), tls_ports());
    ASSERT_TRUE(n.media.bfcp) << n.bfcp_refused;
    EXPECT_EQ(sip::format_fingerprint(*n.media.bfcp->remote_fingerprint), kRoomFingerprint);
}

TEST(ContentBfcp, TcpTlsRefusals) {
    std::string sha512 = "AA";
    for (int i = 1; i < 64; ++i) sha512 += ":AA";
    struct Case {
        std::string extra;
        sip::LocalMediaPorts ports;
        std::string why;
    };
    const std::vector<Case> cases{
        // No certificate of ours (no DTLS identity in this process).
        {"a=fingerprint:" + kRoomFingerprint + "\r\n", ports(), "without a local certificate"},
        {"a=setup:actpass\r\n", tls_ports(), "no a=fingerprint"},
        // A hash libre cannot take of a TLS peer's certificate.
        {"a=fingerprint:sha-512 " + sha512 + "\r\n", tls_ports(), "sha-512"},
        {"a=fingerprint:md5 00:11\r\n", tls_ports(), "fingerprint"},
        {"a=fingerprint:" + kRoomFingerprint + "\r\na=setup:passive\r\n", tls_ports(),
         "setup:passive"},
    };
    for (const auto& c : cases) {
        auto n = answer(kHead + kContent + bfcp_line("TCP/TLS/BFCP", c.extra), c.ports);
        ASSERT_TRUE(n.ok());
        EXPECT_FALSE(n.media.bfcp) << c.extra;
        EXPECT_EQ(line(n, 3).port, 0) << c.extra;
        EXPECT_EQ(line(n, 3).proto, "TCP/TLS/BFCP");
        EXPECT_NE(n.bfcp_refused.find(c.why), std::string::npos) << n.bfcp_refused;
    }
}

TEST(ContentBfcp, UdpTlsIsRefusedWithPortZero) {
    auto n = answer(
        kHead + kContent + bfcp_line("UDP/TLS/BFCP", "a=fingerprint:" + kRoomFingerprint + "\r\n"),
        tls_ports());
    ASSERT_TRUE(n.ok());
    EXPECT_FALSE(n.media.bfcp);
    EXPECT_EQ(line(n, 3).port, 0);
    EXPECT_NE(n.bfcp_refused.find("not supported"), std::string::npos);
}

TEST(ContentBfcp, UdpWithoutVersionTwoIsRefused) {
    auto n = answer(kHead + kContent + bfcp_line("UDP/BFCP", "a=bfcpver:1\r\n"));
    EXPECT_FALSE(n.media.bfcp);
    EXPECT_EQ(line(n, 3).port, 0);
}

TEST(ContentBfcp, BfcpWithoutContentLineIsRefused) {
    auto n = answer(kHead + bfcp_line("UDP/BFCP", "a=floorctrl:c-only\r\n"));
    ASSERT_TRUE(n.ok());
    EXPECT_FALSE(n.media.bfcp);
    EXPECT_EQ(line(n, 2).port, 0);
    EXPECT_NE(n.bfcp_refused.find("no content line"), std::string::npos);
}

TEST(ContentBfcp, BfcpLineBeforeContentLineKeepsOrder) {
    auto n = answer(kHead + bfcp_line("UDP/BFCP", "a=floorid:1 mstrm:3\r\n") + kContent);
    ASSERT_TRUE(n.media.bfcp);
    EXPECT_EQ(line(n, 2).proto, "UDP/BFCP");
    EXPECT_EQ(line(n, 3).attribute("content"), "slides");
}

TEST(ContentBfcp, WithoutLocalContentPortsBothAreRefused) {
    auto n = answer(kHead + kContent + bfcp_line("UDP/BFCP", ""), main_ports());
    ASSERT_TRUE(n.ok());
    EXPECT_FALSE(n.media.content);
    EXPECT_FALSE(n.media.bfcp);
    EXPECT_EQ(line(n, 2).port, 0);
    EXPECT_EQ(line(n, 3).port, 0);
}

TEST(ContentBfcp, PortZeroContentAndDirections) {
    const std::string off =
        "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=content:slides\r\n";
    auto n = answer(kHead + off + bfcp_line("UDP/BFCP", ""));
    EXPECT_FALSE(n.media.content);
    EXPECT_FALSE(n.media.bfcp);  // a floor without its stream means nothing
    EXPECT_EQ(line(n, 2).port, 0);

    const std::string sendonly =
        "m=video 4004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=content:slides\r\na=sendonly\r\n";
    n = answer(kHead + sendonly);
    ASSERT_TRUE(n.media.content);
    EXPECT_EQ(n.media.content->direction, sip::Direction::RecvOnly);
    EXPECT_TRUE(line(n, 2).has_attribute("recvonly"));
}

TEST(ContentBfcp, ReofferAnswersTheSameIds) {
    const std::string first = kHead + kContent + bfcp_line("UDP/BFCP", "a=floorid:1 mstrm:3\r\n");
    auto a = answer(first);
    auto b = answer(first);
    ASSERT_TRUE(a.media.bfcp && b.media.bfcp);
    EXPECT_EQ(*a.media.bfcp, *b.media.bfcp);
    // Content removed by re-INVITE: port 0 on both lines.
    auto c = answer(kHead + "m=video 0 RTP/AVP 96\r\na=content:slides\r\n" +
                    "m=application 0 UDP/BFCP *\r\n");
    EXPECT_FALSE(c.media.content);
    EXPECT_FALSE(c.media.bfcp);
    EXPECT_TRUE(c.media.video);
}

TEST(ContentBfcp, OnlyOneBfcpLine) {
    auto n = answer(kHead + kContent + bfcp_line("UDP/BFCP", "") + bfcp_line("TCP/BFCP", ""));
    ASSERT_TRUE(n.media.bfcp);
    EXPECT_EQ(n.media.bfcp->transport, sip::BfcpTransport::Udp);
    EXPECT_EQ(line(n, 4).port, 0);
}

// Our session refresh offers our last answer; the room's answer keeps the content and BFCP
// lines as they were (apply_answer settles audio and main video only), or refuses them.
TEST(ContentBfcp, AnswerToOurRefreshKeepsContentAndFloor) {
    const auto first = answer(kHead + kContent + bfcp_line("UDP/BFCP", "a=floorid:1 mstrm:3\r\n"));
    ASSERT_TRUE(first.media.content && first.media.bfcp);
    // The room answers with the content line on another port.
    std::string room = kHead + kContent + bfcp_line("UDP/BFCP", "a=floorctrl:c-only\r\n");
    room.replace(room.find("m=video 4004"), 12, "m=video 4010");
    auto parsed = sip::parse_sdp(room);
    ASSERT_TRUE(parsed.ok());
    sip::NegotiatedMedia after;  // what apply_answer gives: no content, no floor
    sip::keep_content_and_floor(*parsed, first.media, after);
    ASSERT_TRUE(after.content);
    EXPECT_EQ(after.content->remote_rtp_port, 4010);
    EXPECT_EQ(after.content->remote_rtcp_port, 4011);
    ASSERT_TRUE(after.bfcp);
    EXPECT_EQ(*after.bfcp, *first.media.bfcp);

    // Content refused in the answer: the floor goes with it.
    std::string refused = room;
    refused.replace(refused.find("m=video 4010"), 12, "m=video 0");
    auto p2 = sip::parse_sdp(refused);
    ASSERT_TRUE(p2.ok());
    sip::NegotiatedMedia none;
    sip::keep_content_and_floor(*p2, first.media, none);
    EXPECT_FALSE(none.content);
    EXPECT_FALSE(none.bfcp);
}

// Behind TURN, a content line added by re-INVITE is answered with port 0 until its relays
// exist; then our own offer gives it back (docs/content.md, "Behind TURN"): the room's later
// offer, with the port-0 lines it kept in place (bare, as rooms send a refused line), takes
// back the content and BFCP lines of the offer that asked for them, and our answer to that is
// what we offer, with the relays' ports.
TEST(ContentBfcp, ContentOfferedAgainOnItsRelays) {
    const std::string asked =
        kHead + kContent + bfcp_line("UDP/BFCP", "a=floorctrl:c-only\r\na=floorid:2 mstrm:3\r\n");
    auto asked_sdp = sip::parse_sdp(asked);
    ASSERT_TRUE(asked_sdp.ok());
    EXPECT_TRUE(sip::offers_content_or_floor(*asked_sdp));
    // No relays yet: both lines at port 0.
    auto refused = answer(asked, main_ports());
    EXPECT_FALSE(refused.media.content);
    EXPECT_FALSE(refused.media.bfcp);

    // The room's next offer (a refresh) keeps the refused lines bare, at port 0.
    const std::string later = kHead + "m=video 0 RTP/AVP 96\r\nm=application 0 UDP/BFCP *\r\n";
    auto later_sdp = sip::parse_sdp(later);
    ASSERT_TRUE(later_sdp.ok());
    EXPECT_FALSE(sip::offers_content_or_floor(*later_sdp));
    auto restored = sip::with_content_restored(*later_sdp, *asked_sdp);
    ASSERT_TRUE(restored);
    ASSERT_EQ(restored->media.size(), 4U);
    EXPECT_EQ(restored->media[2].port, 4004);
    EXPECT_EQ(restored->media[2].attribute("content"), "slides");
    EXPECT_EQ(restored->media[3].port, 5070);

    // Our offer: the relays' ports, the ids of our floor control server, the room's floor.
    auto ours = answer(sip::format_sdp(*restored));
    ASSERT_TRUE(ours.media.content && ours.media.bfcp);
    EXPECT_EQ(line(ours, 2).port, 20004);
    EXPECT_EQ(line(ours, 2).attribute("label"), "3");
    EXPECT_EQ(line(ours, 3).port, 20006);
    EXPECT_EQ(line(ours, 3).attribute("floorid"), "2 mstrm:3");
    EXPECT_EQ(ours.media.bfcp->remote_port, 5070);

    // Taken from the offer that asked, it is also what to offer when no other offer came.
    auto same = sip::with_content_restored(*asked_sdp, *asked_sdp);
    ASSERT_TRUE(same);
    EXPECT_EQ(sip::format_sdp(*same), sip::format_sdp(*asked_sdp));
}

// What with_content_restored() leaves alone: lines the room offers with a port, lines of
// another media type at that place, and an offer whose content the room itself removed
// without an earlier one that had it.
TEST(ContentBfcp, ContentRestoredOnlyInItsOwnPlace) {
    auto head = sip::parse_sdp(kHead);
    ASSERT_TRUE(head.ok());
    EXPECT_FALSE(sip::with_content_restored(*head, *head));
    // The earlier offer's content line sat where the later has an audio line at port 0.
    auto earlier = sip::parse_sdp(kHead + kContent);
    auto later = sip::parse_sdp(kHead + "m=audio 0 RTP/AVP 0\r\n");
    ASSERT_TRUE(earlier.ok() && later.ok());
    EXPECT_FALSE(sip::with_content_restored(*later, *earlier));
    // The later offer has the content line on a port of its own: that one stays.
    std::string moved = kHead + kContent;
    moved.replace(moved.find("m=video 4004"), 12, "m=video 4010");
    auto now = sip::parse_sdp(moved);
    ASSERT_TRUE(now.ok());
    auto kept = sip::with_content_restored(*now, *earlier);
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->media[2].port, 4010);
    // A line that relied on the earlier offer's session c= keeps that address.
    std::string elsewhere = kHead + "m=video 0 RTP/AVP 96\r\n";
    elsewhere.replace(elsewhere.find("c=IN IP4 10.0.0.5"), 17, "c=IN IP4 10.0.0.9");
    auto moved_host = sip::parse_sdp(elsewhere);
    ASSERT_TRUE(moved_host.ok());
    auto back = sip::with_content_restored(*moved_host, *earlier);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->media[2].connection_address, "10.0.0.5");
}

}  // namespace
