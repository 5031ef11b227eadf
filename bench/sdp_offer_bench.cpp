// SDP offer/answer cost (issue 10): a normal room-system offer against the worst offer the
// bounds still accept (every per-line limit reached) and the 64 KiB attack offer of the review,
// measured in the same run. Prints JSON; the ratio worst/normal is the figure to watch (it
// stays a small constant since the work is linear), not the absolute times.
#include "sip/offer_answer.hpp"
#include "sip/sdp.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

namespace {

const sip::LocalMediaPorts kPorts{"127.0.0.1", 20000, 20001, 20002, 20003};

std::string head() {
    return "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n";
}

std::string normal_offer() {
    return head() +
           "m=audio 4000 RTP/AVP 9 0 8 101\r\na=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\n"
           "a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
           "a=sendrecv\r\nm=video 4002 RTP/AVP 96 97\r\nb=AS:2048\r\n"
           "a=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n"
           "a=rtpmap:97 H264/90000\r\na=fmtp:97 profile-level-id=42e01f;packetization-mode=0\r\n"
           "a=rtcp-fb:* nack pli\r\na=rtcp-fb:* ccm fir\r\na=sendrecv\r\n";
}

// Every bound reached on two m= lines, formats with rtpmaps that match nothing until the last,
// so the negotiation visits everything; within the 32 KiB size bound.
std::string worst_accepted_offer() {
    std::string s = head();
    for (const char* kind : {"audio", "video"}) {
        s += std::string("m=") + kind + " 4000 RTP/AVP";
        for (size_t i = 0; i < sip::SdpLimits::max_formats; ++i) s += " " + std::to_string(64 + i);
        s += "\r\n";
        size_t attrs = 0;
        for (size_t i = 0; i < sip::SdpLimits::max_formats; ++i, ++attrs)
            s += "a=rtpmap:" + std::to_string(64 + i) +
                 (i + 1 == sip::SdpLimits::max_formats
                      ? (std::string(kind) == "audio" ? " PCMU/8000\r\n" : " VP8/90000\r\n")
                      : " x/1\r\n");
        for (; attrs < sip::SdpLimits::max_attributes - 40; ++attrs)
            s += "a=fmtp:" + std::to_string(64 + attrs % 64) + " a=1;b=2\r\n";
    }
    return s;
}

std::string attack_offer() {
    std::string s = head() + "m=audio 4000 RTP/AVP";
    for (int i = 0; i < 15000; ++i) s += " 127";
    s += "\r\na=rtpmap:127 foo/1\r\n";
    while (s.size() < 64 * 1024 - 32) s += "a=fmtp:127 x=1;y=2;z=3;w=4;v=5\r\n";
    return s;
}

nlohmann::json measure(const char* what, const std::string& offer, int rounds) {
    const sip::CodecPreferences prefs;
    sip::Negotiation n;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < rounds; ++i) n = sip::answer_offer(offer, prefs, kPorts, {1, 1});
    const std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
    return {{"what", what},   {"bytes", offer.size()}, {"status", n.ok() ? 200 : n.failure->status},
            {"work", n.work}, {"rounds", rounds},      {"us_per_offer", took.count() / rounds}};
}

}  // namespace

int main() {
    try {
        const auto normal = measure("normal_offer", normal_offer(), 20000);
        const auto worst = measure("worst_accepted_offer", worst_accepted_offer(), 2000);
        const auto attack = measure("attack_offer_64k", attack_offer(), 2000);
        nlohmann::json out{{"results", {normal, worst, attack}},
                           {"worst_over_normal", worst["us_per_offer"].get<double>() /
                                                     normal["us_per_offer"].get<double>()}};
        std::printf("%s\n", out.dump(2).c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sdp_offer_bench: %s\n", e.what());
        return 1;
    }
}
