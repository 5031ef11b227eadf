#include "sip/info_body.hpp"

#include <gtest/gtest.h>

namespace {

char key_of(const core::Result<sip::InfoEvent>& r) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return 0;
    const auto* k = std::get_if<sip::DtmfKey>(&*r);
    return k != nullptr ? k->digit : 0;
}

TEST(InfoBody, DtmfRelay) {
    auto r = sip::parse_info_body("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n");
    EXPECT_EQ(key_of(r), '5');
    EXPECT_EQ(std::get<sip::DtmfKey>(*r).duration_ms, 160U);
}

TEST(InfoBody, DtmfRelayStarHashAndSpaces) {
    EXPECT_EQ(key_of(sip::parse_info_body("application/dtmf-relay", "Signal= *\nDuration= 250")),
              '*');
    EXPECT_EQ(key_of(sip::parse_info_body("Application/DTMF-Relay", "signal=#\r\n")), '#');
    EXPECT_EQ(key_of(sip::parse_info_body("application/dtmf-relay", "Signal=11\r\n")), '#');
    EXPECT_EQ(key_of(sip::parse_info_body("application/dtmf-relay", "Signal=a\r\n")), 'A');
}

TEST(InfoBody, ApplicationDtmf) {
    EXPECT_EQ(key_of(sip::parse_info_body("application/dtmf", "7")), '7');
    EXPECT_EQ(key_of(sip::parse_info_body("application/dtmf", "10\r\n")), '*');
    EXPECT_EQ(key_of(sip::parse_info_body("application/dtmf;charset=x", "Signal=3")), '3');
}

TEST(InfoBody, PictureFastUpdate) {
    const char* xml =
        "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n<media_control><vc_primitive>"
        "<to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>";
    auto r = sip::parse_info_body("application/media_control+xml", xml);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(std::holds_alternative<sip::KeyframeRequest>(*r));
}

TEST(InfoBody, Errors) {
    EXPECT_FALSE(sip::parse_info_body("application/dtmf-relay", "Duration=160").ok());
    EXPECT_FALSE(sip::parse_info_body("application/dtmf-relay", "Signal=X").ok());
    EXPECT_FALSE(sip::parse_info_body("application/dtmf-relay", "Signal=99").ok());
    EXPECT_FALSE(sip::parse_info_body("application/dtmf", "").ok());
    EXPECT_FALSE(sip::parse_info_body("application/media_control+xml", "<x/>").ok());
    auto r = sip::parse_info_body("text/plain", "hello");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("text/plain"), std::string::npos);
}

}  // namespace
