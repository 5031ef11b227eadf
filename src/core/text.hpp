// Text that arrives from peers (SIP display names, URIs, API fields, page strings) on its way
// to JSON, logs, SIP headers or pages. nlohmann::json throws on invalid UTF-8, a raw CR/LF
// forges log lines or headers, and room systems often send ISO-8859-1 names: these helpers turn
// any bytes into text each of those sinks accepts, without losing what a human would read.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace core {

// Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// Valid UTF-8 as it is; anything else is taken as ISO-8859-1 (every byte one character), the
// encoding room systems use when they are not UTF-8. Mixed strings are rare enough that the
// whole string is decoded one way.
std::string to_utf8(std::string_view bytes);

// A name for people to read: to_utf8, then control characters (C0, DEL, C1, bidi overrides and
// isolates, line and paragraph separators) dropped, surrounding spaces trimmed, and at most
// max_chars code points kept.
std::string clean_name(std::string_view bytes, size_t max_chars);

// A value for one log field, shown between double quotes: printable UTF-8 stays, '"' and '\'
// are escaped, control characters and bytes that are not UTF-8 become \n, \r, \t or \xNN, so a
// peer cannot forge or split log lines. Longer values are cut at max_bytes and end with "...".
std::string log_field(std::string_view bytes, size_t max_bytes = 256);

}  // namespace core
