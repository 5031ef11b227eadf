// The BFCP m= line of an offer (RFC 8856), answered with the gateway as floor control server.
// Pure SDP in, SDP out, like offer_answer.hpp, so every corner is unit-tested.
#pragma once

#include "sip/negotiated_media.hpp"
#include "sip/sdp.hpp"

#include <optional>
#include <string>

namespace sip {

// UDP/BFCP, TCP/BFCP, TCP/TLS/BFCP, UDP/TLS/BFCP: a BFCP line, whether we take it or not.
bool is_bfcp_proto(const std::string& proto);

struct BfcpAnswer {
    SdpMedia line;                       // our m= line (port 0 when refused)
    std::optional<NegotiatedBfcp> bfcp;  // set when accepted
    std::string refused;                 // why not, for the log; empty when accepted
};

// `content_label` is the a=label of our accepted content line; empty: there is none, and a
// floor without its stream is refused. `session_attributes`: the offer's session-level a=
// lines, where a TCP/TLS/BFCP offer's a=fingerprint may sit (RFC 8122 §5).
BfcpAnswer answer_bfcp(const SdpMedia& offered, const std::string& session_address,
                       const LocalMediaPorts& ports, const std::string& content_label,
                       const std::vector<SdpAttribute>& session_attributes = {});

// The answer to one of our offers (a session refresh repeats our last answer as offer): the
// content and BFCP lines settled before stay, following the answer's ports, unless the answer
// refuses them (port 0 or gone). apply_answer() itself only settles audio and main video.
void keep_content_and_floor(const SdpDescription& answer, const NegotiatedMedia& before,
                            NegotiatedMedia& after);

// Whether an offer asks for a content line or a BFCP line (one with a port, unlike
// has_content_or_floor(), which also counts lines at port 0).
bool offers_content_or_floor(const SdpDescription& offer);

// Our re-offer of content and BFCP lines we had to answer with port 0 (behind TURN, before
// their relays existed; docs/content.md, "Behind TURN"): the peer's `latest` offer, where each
// of its port-0 lines takes back the content or BFCP line that `earlier` (the peer's offer
// that asked for them) had at the same position; a line the peer offers with a port stays as
// it is. Answering the result gives the offer: the peer's own lines in its own order (RFC 3264
// §8 keeps m= lines in place across offers), with our ports. nullopt: nothing to put back and
// no content line with a port in `latest`.
std::optional<SdpDescription> with_content_restored(const SdpDescription& latest,
                                                    const SdpDescription& earlier);

}  // namespace sip
