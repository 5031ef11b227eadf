// SDP from a SIP peer (INVITE offers, answers to our offers): parse, write back, and the whole
// offer/answer. Properties: nothing crashes, a failure carries a SIP status, what we answer
// parses again, and a parsed SDP written back parses to the same text.
#include "fuzz_support.hpp"
#include "sip/offer_answer.hpp"
#include "sip/sdp.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

const sip::LocalMediaPorts kPorts{"127.0.0.1", 20000, 20001, 20002, 20003};

void check_failure(const sip::Negotiation& n) {
    if (n.ok()) return;
    fuzz::require(n.failure->status == 400 || n.failure->status == 488,
                  "an SDP failure answers 400 or 488");
    fuzz::require(!n.failure->reason.empty(), "an SDP failure has a reason phrase");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::quiet_logs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    if (auto parsed = sip::parse_sdp(text)) {
        const std::string written = sip::format_sdp(*parsed);
        auto again = sip::parse_sdp(written);
        fuzz::require(again.ok(), "format_sdp writes an SDP that parse_sdp accepts");
        fuzz::require(sip::format_sdp(*again) == written, "parse/format is stable");
    }

    sip::CodecPreferences prefs;
    const auto answer = sip::answer_offer(text, prefs, kPorts, sip::SdpOrigin{42, 1});
    check_failure(answer);
    if (answer.ok()) {
        fuzz::require(sip::parse_sdp(answer.sdp).ok(), "our answer parses");
        // Our answer fed back as the answer to an offer of ours must be acceptable too.
        (void)sip::apply_answer(answer.sdp, prefs, kPorts);
    }

    // The same text as the peer's answer to our offer (outbound calls).
    check_failure(sip::apply_answer(text, prefs, kPorts));

    // Other preferences take other paths through the codec choice (VP8 first, G.711 only).
    prefs.video = {"VP8", "H264"};
    prefs.audio = {"PCMA", "PCMU"};
    check_failure(sip::answer_offer(text, prefs, kPorts, sip::SdpOrigin{7, 3}));
    return 0;
}
