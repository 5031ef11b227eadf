// The pieces of the BigBlueButton API the adapter uses, kept apart from the adapter so they can
// be checked without a server: signed calls (checksum = hex digest of call name + query +
// shared secret, docs.bigbluebutton.org "API security model"), and the XML answer of
// getMeetingInfo.
#pragma once

#include "core/result.hpp"

#include <string>
#include <string_view>

namespace services::bbb {

// Form encoding as bbb-web's Java side produces it (java.net.URLEncoder): letters, digits and
// ".-*_" stay, a space becomes '+', every other byte is %XX. Current servers sign the raw query
// string, so any consistent encoding works there; 2.4 re-encoded the query this way before
// comparing (bigbluebutton-api-php#96), which this matches.
std::string form_encode(std::string_view in);

// Lower-case hex digest of data; algorithm is sha1, sha256, sha384 or sha512. Empty for any
// other name.
std::string digest_hex(std::string_view algorithm, std::string_view data);

// Whether `algorithm` is one digest_hex() knows (what [service] checksum accepts).
bool checksum_algorithm_known(std::string_view algorithm);

// "<api>/<call>?<query>&checksum=<digest(call + query + secret)>"; `api` has no trailing '/'.
std::string signed_url(std::string_view api, std::string_view call, std::string_view query,
                       std::string_view secret, std::string_view algorithm);

// What getMeetingInfo said about a meeting.
struct MeetingInfo {
    std::string internal_id;  // <internalMeetingID>
    bool running = false;     // <running>: someone is in it
};

// Reads getMeetingInfo's answer for `meeting_id`: the meeting, or an error saying why a join
// cannot work (no such meeting, a refused checksum, an answer that is not BBB's).
core::Result<MeetingInfo> parse_meeting_info(std::string_view xml, std::string_view meeting_id);

}  // namespace services::bbb
