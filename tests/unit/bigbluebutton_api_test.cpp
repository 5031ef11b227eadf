// BigBlueButton's signed API calls, the getMeetingInfo answer, and the URLs and options the
// adapter builds (API joins and Greenlight rooms). The server side is in
// tests/browser/bigbluebutton_prepare_test.cpp.
#include "services/bigbluebutton_api.hpp"
#include "services/adapter.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

core::ServiceConfig bbb_service(std::string base_url) {
    core::ServiceConfig c;
    c.name = "bigbluebutton";
    c.base_url = std::move(base_url);
    return c;
}

// Splits "<prefix><query>&checksum=<hex>" (the checksum last, as the adapter builds it).
std::pair<std::string, std::string> query_and_checksum(const std::string& url,
                                                       const std::string& prefix) {
    EXPECT_EQ(url.rfind(prefix, 0), 0U) << url;
    const auto cs = url.rfind("&checksum=");
    EXPECT_NE(cs, std::string::npos) << url;
    if (cs == std::string::npos) return {};
    return {url.substr(prefix.size(), cs - prefix.size()), url.substr(cs + 10)};
}

TEST(BigBlueButtonApi, DigestsAreTheKnownVectors) {
    // FIPS 180 "abc" test vectors.
    EXPECT_EQ(services::bbb::digest_hex("sha1", "abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(services::bbb::digest_hex("sha256", "abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(services::bbb::digest_hex("sha384", "abc").size(), 96U);
    EXPECT_EQ(services::bbb::digest_hex("sha512", "abc").substr(0, 16), "ddaf35a193617aba");
    EXPECT_EQ(services::bbb::digest_hex("md5", "abc"), "");
    EXPECT_FALSE(services::bbb::checksum_algorithm_known("sha3"));
}

TEST(BigBlueButtonApi, FormEncodingIsJavas) {
    EXPECT_EQ(services::bbb::form_encode("Bob Smith"), "Bob+Smith");
    EXPECT_EQ(services::bbb::form_encode("a~b*c.d-e_f"), "a%7Eb*c.d-e_f");
    EXPECT_EQ(services::bbb::form_encode("é&="), "%C3%A9%26%3D");
}

TEST(BigBlueButtonApi, SignedUrlChecksumCoversCallQueryAndSecret) {
    const auto url = services::bbb::signed_url("https://h/bigbluebutton/api", "isMeetingRunning",
                                               "meetingID=m1", "s3cr3t", "sha512");
    EXPECT_EQ(url, "https://h/bigbluebutton/api/isMeetingRunning?meetingID=m1&checksum=" +
                       services::bbb::digest_hex("sha512", "isMeetingRunningmeetingID=m1s3cr3t"));
}

TEST(BigBlueButtonApi, MeetingInfoAnswers) {
    auto ok = services::bbb::parse_meeting_info(
        "<response><returncode>SUCCESS</returncode><meetingID>m1</meetingID>"
        "<internalMeetingID>abc-123</internalMeetingID><running>true</running></response>",
        "m1");
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->internal_id, "abc-123");
    EXPECT_TRUE(ok->running);

    auto missing = services::bbb::parse_meeting_info(
        "<response><returncode>FAILED</returncode><messageKey>notFound</messageKey>"
        "<message>We could not find a meeting with that meeting ID</message></response>",
        "m1");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message, "BigBlueButton meeting m1 does not exist (not created yet)");

    auto refused = services::bbb::parse_meeting_info(
        "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey>"
        "</response>",
        "m1");
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("refused the checksum"), std::string::npos);

    auto html = services::bbb::parse_meeting_info("<html>Greenlight</html>", "m1");
    ASSERT_FALSE(html.ok());
    EXPECT_NE(html.error().message.find("no answer"), std::string::npos);
}

TEST(BigBlueButtonAdapter, ApiJoinIsSignedWithTheConfiguredAlgorithm) {
    auto cfg = bbb_service("https://bbb.example.org/bigbluebutton/api/");
    cfg.secret = "s3cr3t";
    for (const char* algorithm : {"sha1", "sha256", "sha384", "sha512"}) {
        cfg.checksum = algorithm;
        auto a = services::make_adapter(cfg);
        ASSERT_TRUE(a.ok());
        auto url = (*a)->join_url({"room 42", "Bob Smith", {}});
        ASSERT_TRUE(url.ok()) << url.error().message;
        const auto [query, checksum] =
            query_and_checksum(*url, "https://bbb.example.org/bigbluebutton/api/join?");
        EXPECT_EQ(checksum, services::bbb::digest_hex(algorithm, "join" + query + "s3cr3t"));
        EXPECT_NE(query.find("fullName=Bob+Smith"), std::string::npos);
        EXPECT_NE(query.find("meetingID=room+42"), std::string::npos);
        for (const char* userdata :
             {"userdata-bbb_skip_check_audio=true", "userdata-bbb_listen_only_mode=false",
              "userdata-bbb_auto_share_webcam=true",
              "userdata-bbb_show_session_details_on_join=false",
              "userdata-bbb_direct_leave_button=true", "userdata-bbb_pre_flight=false",
              "userdata-bbb_show_participants_on_login=true"})
            EXPECT_NE(query.find(userdata), std::string::npos) << userdata;
    }
    cfg.secret.clear();
    auto unsigned_adapter = services::make_adapter(cfg);
    EXPECT_FALSE((*unsigned_adapter)->join_url({"r", "n", {}}).ok());
}

TEST(BigBlueButtonAdapter, BaseWithoutApiStillMeansTheApi) {
    auto cfg = bbb_service("https://bbb.example.org/bigbluebutton/");
    cfg.secret = "x";
    auto a = services::make_adapter(cfg);
    auto url = (*a)->join_url({"m", "n", {}});
    ASSERT_TRUE(url.ok());
    EXPECT_EQ(url->rfind("https://bbb.example.org/bigbluebutton/api/join?", 0), 0U) << *url;
    auto opts = nlohmann::json::parse((*a)->join_options({"m", "n", {}}));
    EXPECT_FALSE(opts["greenlight"].get<bool>());
    EXPECT_TRUE(opts["autoShareWebcam"].get<bool>());
}

TEST(BigBlueButtonAdapter, GreenlightRoomUrls) {
    auto a = services::make_adapter(bbb_service("https://gl.example.org/"));
    auto url = (*a)->join_url({"abc-def-ghi", "Bob Smith", {}});
    ASSERT_TRUE(url.ok());
    EXPECT_EQ(*url, "https://gl.example.org/rooms/abc-def-ghi/join?joinFormName=Bob%20Smith");
    auto opts = nlohmann::json::parse((*a)->join_options({"abc-def-ghi", "Bob", {}}));
    EXPECT_TRUE(opts["greenlight"].get<bool>());
    EXPECT_FALSE(opts["autoShareWebcam"].get<bool>());
    EXPECT_FALSE(opts.contains("password"));  // the meeting link adds [service] password

    // A configured room URL without /join would reach Greenlight's logged-in route.
    auto cfg = bbb_service("https://gl.example.org/rooms/abc-def-ghi");
    cfg.password = "123456";
    auto room = services::make_adapter(cfg);
    EXPECT_EQ(*(*room)->join_url({"ignored", "Bob", {}}),
              "https://gl.example.org/rooms/abc-def-ghi/join?joinFormName=Bob");
    EXPECT_EQ(nlohmann::json::parse((*room)->join_options({"x", "Bob", {}}))["password"], "123456");
}

}  // namespace
