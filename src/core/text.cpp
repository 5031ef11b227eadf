#include "core/text.hpp"

#include <cstdint>

namespace core {

namespace {

// Length of the well-formed UTF-8 sequence starting at s[i], 0 if there is none.
size_t utf8_sequence(std::string_view s, size_t i, char32_t& cp) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char c = b(0);
    if (c < 0x80) {
        cp = c;
        return 1;
    }
    size_t n = 0;
    char32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        cp = c & 0x1F;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        cp = c & 0x0F;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((b(k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b(k) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Characters that change how the surrounding text reads or is split rather than showing a
// glyph: a name made of them could break a log line or reverse the rest of a meeting UI row.
bool is_control(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 || cp == 0x200E ||
           cp == 0x200F || cp == 0xFEFF;
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
    for (size_t i = 0; i < bytes.size();) {
        char32_t cp = 0;
        const size_t n = utf8_sequence(bytes, i, cp);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::string to_utf8(std::string_view bytes) {
    if (is_valid_utf8(bytes)) return std::string(bytes);
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes) append_utf8(out, static_cast<unsigned char>(c));
    return out;
}

std::string clean_name(std::string_view bytes, size_t max_chars) {
    const std::string text = to_utf8(bytes);
    std::string out;
    size_t chars = 0;
    for (size_t i = 0; i < text.size();) {
        char32_t cp = 0;
        const size_t n = utf8_sequence(text, i, cp);  // never 0: text is valid UTF-8
        i += n;
        if (is_control(cp)) continue;
        if (cp == ' ' && chars == 0) continue;  // leading spaces
        if (chars == max_chars) break;
        append_utf8(out, cp);
        ++chars;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::string log_field(std::string_view bytes, size_t max_bytes) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < bytes.size();) {
        if (out.size() >= max_bytes) {
            out += "...";
            break;
        }
        char32_t cp = 0;
        const size_t n = utf8_sequence(bytes, i, cp);
        if (n == 0 || is_control(cp)) {
            // One escape per byte, so the original bytes can be read back from the log.
            for (size_t k = 0; k < (n == 0 ? 1 : n); ++k) {
                const auto c = static_cast<unsigned char>(bytes[i + k]);
                if (c == '\n') {
                    out += "\\n";
                } else if (c == '\r') {
                    out += "\\r";
                } else if (c == '\t') {
                    out += "\\t";
                } else {
                    out += "\\x";
                    out += hex[c >> 4];
                    out += hex[c & 0xF];
                }
            }
            i += n == 0 ? 1 : n;
            continue;
        }
        if (cp == '"' || cp == '\\') out += '\\';
        out.append(bytes.substr(i, n));
        i += n;
    }
    return out;
}

}  // namespace core
