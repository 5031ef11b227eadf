// Peer text on its way to JSON, logs, headers and pages (issue 10, finding 5): any bytes in,
// valid UTF-8 without control characters out; ISO-8859-1 names decoded as such.
#include "core/text.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>

namespace {

TEST(Text, Utf8Validity) {
    EXPECT_TRUE(core::is_valid_utf8(""));
    EXPECT_TRUE(core::is_valid_utf8("Zoé Ærø 日本 🎥"));
    EXPECT_FALSE(core::is_valid_utf8("Zo\xE9"));            // Latin-1 é
    EXPECT_FALSE(core::is_valid_utf8("\xC0\xAF"));          // overlong '/'
    EXPECT_FALSE(core::is_valid_utf8("\xED\xA0\x80"));      // surrogate
    EXPECT_FALSE(core::is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_FALSE(core::is_valid_utf8("\xE2\x82"));          // truncated
    EXPECT_FALSE(core::is_valid_utf8("\x80"));              // lone continuation
}

TEST(Text, Latin1IsDecoded) {
    EXPECT_EQ(core::to_utf8("Salle Zo\xE9 \xC0 Montr\xE9"
                            "al"),
              "Salle Zoé À Montréal");
    EXPECT_EQ(core::to_utf8("déjà UTF-8"), "déjà UTF-8");
    EXPECT_EQ(core::clean_name("J\xFCrgen M\xFCller", 64), "Jürgen Müller");
}

TEST(Text, CleanNameDropsControlsAndCaps) {
    EXPECT_EQ(core::clean_name("  Evil\x01\r\nName\x7f  ", 64), "EvilName");
    EXPECT_EQ(core::clean_name("a\xC2\x85"
                               "b",
                               64),
              "ab");  // NEL (C1)
    EXPECT_EQ(core::clean_name("abc\xE2\x80\xAE"
                               "fdp.exe",
                               64),
              "abcfdp.exe");                                  // RLO
    EXPECT_EQ(core::clean_name("x\xE2\x80\xA8y", 64), "xy");  // U+2028
    EXPECT_EQ(core::clean_name("ééééé", 3), "ééé");           // characters, not bytes
    EXPECT_EQ(core::clean_name("\x01\x02", 64), "");
}

TEST(Text, LogFieldCannotForgeLines) {
    EXPECT_EQ(core::log_field("a\nINFO gateway: forged"), "a\\nINFO gateway: forged");
    EXPECT_EQ(core::log_field("say \"hi\"\\"), "say \\\"hi\\\"\\\\");
    EXPECT_EQ(core::log_field("Zo\xE9\r\t\x1b[31m"), "Zo\\xe9\\r\\t\\x1b[31m");
    EXPECT_EQ(core::log_field("Zoé"), "Zoé");
    EXPECT_EQ(core::log_field(std::string(300, 'x'), 10), "xxxxxxxxxx...");
}

// Whatever the bytes, the result goes through nlohmann::json::dump() (which throws on invalid
// UTF-8) and has no control character left.
TEST(Text, RandomBytesAlwaysGiveDumpableNames) {
    std::mt19937 rng(10);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> len(0, 80);
    for (int round = 0; round < 5000; ++round) {
        std::string in(static_cast<size_t>(len(rng)), '\0');
        for (char& c : in) c = static_cast<char>(byte(rng));
        const std::string name = core::clean_name(in, 64);
        ASSERT_TRUE(core::is_valid_utf8(name));
        const nlohmann::json j{{"displayName", name}};
        ASSERT_NO_THROW((void)j.dump());
        for (char c : name) ASSERT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f);
        const std::string field = core::log_field(in);
        ASSERT_TRUE(core::is_valid_utf8(field));
        ASSERT_EQ(field.find('\n'), std::string::npos);
        ASSERT_EQ(field.find('\r'), std::string::npos);
    }
}

}  // namespace
