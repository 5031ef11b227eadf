// Whom the gateway gives digest responses (issue 10, finding 9): only challenges in our realm,
// and dial-out targets only when they are the registrar's own domain.
#include "sip/digest_source.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace {

core::RegistrarConfig registrar() {
    core::RegistrarConfig r;
    r.server = "sip:10.0.0.7:5070;transport=udp";
    r.domain = "voip.example.org";
    r.secret = "s";
    return r;
}

struct Answer {
    int err = 0;
    std::string username;
};

Answer ask(const sip::DigestSource& source, const char* realm) {
    char* user = nullptr;
    char* pass = nullptr;
    Answer a;
    a.err = sip::digest_source_auth(&user, &pass, realm, const_cast<sip::DigestSource*>(&source));
    if (user != nullptr) a.username = user;
    mem_deref(user);
    mem_deref(pass);
    return a;
}

TEST(DigestRealm, OnlyOurRealmIsAnswered) {
    auto source = sip::make_digest_source("voip.example.org", [] {
        return sip::Credentials{"gw", "secret"};
    });
    ASSERT_TRUE(source);
    const Answer ours = ask(*source, "VoIP.example.org");
    EXPECT_EQ(ours.err, 0);
    EXPECT_EQ(ours.username, "gw");
    const Answer other = ask(*source, "evil.example.net");
    EXPECT_EQ(other.err, EAUTH);
    EXPECT_TRUE(other.username.empty());
    EXPECT_EQ(ask(*source, "").err, EAUTH);
    EXPECT_EQ(ask(*source, nullptr).err, EAUTH);
}

TEST(DigestRealm, RealmDefaultsToDomainThenServerHost) {
    auto r = registrar();
    EXPECT_EQ(sip::registrar_realm(r), "voip.example.org");
    r.realm = "auth.example.org";
    EXPECT_EQ(sip::registrar_realm(r), "auth.example.org");
    r.realm.clear();
    r.domain.clear();
    EXPECT_EQ(sip::registrar_realm(r), "10.0.0.7");
}

TEST(DigestRealm, DialOutTargetsOfTheRegistrarOnly) {
    const auto r = registrar();
    EXPECT_TRUE(sip::credentials_for_target("sip:alice@voip.example.org", r));
    EXPECT_TRUE(sip::credentials_for_target("sip:alice@10.0.0.7:5070;transport=tcp", r));
    EXPECT_TRUE(sip::credentials_for_target("sips:bob@VOIP.example.org", r));
    EXPECT_FALSE(sip::credentials_for_target("sip:premium@198.51.100.9", r));
    EXPECT_FALSE(sip::credentials_for_target("sip:voip.example.org@evil.example.net", r));
    EXPECT_FALSE(sip::credentials_for_target("sip:a@voip.example.org.evil.net", r));
    core::RegistrarConfig none;
    EXPECT_FALSE(sip::credentials_for_target("sip:alice@10.0.0.7", none));
}

TEST(DigestRealm, UriHost) {
    EXPECT_EQ(sip::uri_host("sip:a@h.example:5060;transport=tcp"), "h.example");
    EXPECT_EQ(sip::uri_host("sip:[2001:db8::1]:5060"), "2001:db8::1");
    EXPECT_EQ(sip::uri_host("sips:h.example"), "h.example");
    EXPECT_EQ(sip::uri_host("sip:u@h?Subject=x"), "h");
}

}  // namespace
