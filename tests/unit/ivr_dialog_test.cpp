#include "gateway/ivr_dialog.hpp"

#include <gtest/gtest.h>

namespace {

using gateway::IvrDialog;
using gateway::IvrPrompt;

IvrDialog make(unsigned digits = 4, unsigned tries = 3) {
    return IvrDialog(gateway::IvrSettings{digits, tries, 10});
}

TEST(IvrDialog, WelcomeThenDigitsThenHash) {
    auto d = make();
    auto s = d.start();
    EXPECT_EQ(s.play, std::vector<IvrPrompt>{IvrPrompt::Welcome});
    EXPECT_TRUE(s.arm_timer);
    EXPECT_EQ(d.on_digit('1').typed, "1");
    EXPECT_EQ(d.on_digit('2').typed, "12");
    auto sub = d.on_digit('#');
    ASSERT_TRUE(sub.submit.has_value());
    EXPECT_EQ(*sub.submit, "12");
    EXPECT_TRUE(d.waiting_for_lookup());
    // Keys during the lookup are ignored.
    EXPECT_FALSE(d.on_digit('9').submit.has_value());
    EXPECT_EQ(d.typed(), "12");
}

TEST(IvrDialog, FullLengthSubmitsWithoutHash) {
    auto d = make(4);
    d.start();
    for (char c : std::string("123")) EXPECT_FALSE(d.on_digit(c).submit.has_value());
    auto s = d.on_digit('4');
    ASSERT_TRUE(s.submit.has_value());
    EXPECT_EQ(*s.submit, "1234");
}

TEST(IvrDialog, StarErasesLastDigit) {
    auto d = make();
    d.start();
    d.on_digit('1');
    d.on_digit('2');
    EXPECT_EQ(d.on_digit('*').typed, "1");
    EXPECT_EQ(d.on_digit('*').typed, "");
    EXPECT_EQ(d.on_digit('*').typed, "");              // nothing left to erase: no harm
    EXPECT_FALSE(d.on_digit('#').submit.has_value());  // '#' alone submits nothing
}

TEST(IvrDialog, ThreeWrongNumbersThenGoodbye) {
    auto d = make(4, 3);
    d.start();
    for (int attempt = 1; attempt <= 3; ++attempt) {
        d.on_digit('9');
        ASSERT_TRUE(d.on_digit('#').submit.has_value());
        auto r = d.on_rejected(false);
        EXPECT_EQ(r.play.front(), IvrPrompt::Invalid);
        if (attempt < 3) {
            EXPECT_FALSE(r.hangup);
            EXPECT_EQ(r.play.back(), IvrPrompt::Welcome);
            EXPECT_EQ(d.typed(), "");
        } else {
            EXPECT_TRUE(r.hangup);
            EXPECT_EQ(r.play.back(), IvrPrompt::Goodbye);
            EXPECT_TRUE(d.finished());
        }
    }
    EXPECT_FALSE(d.on_digit('1').submit.has_value());
}

TEST(IvrDialog, SilenceCountsAsATryAndTypedDigitsSubmitOnTimeout) {
    auto d = make(10, 2);
    d.start();
    auto t1 = d.on_timeout();
    EXPECT_EQ(t1.play.front(), IvrPrompt::Timeout);
    EXPECT_FALSE(t1.hangup);
    d.on_digit('5');
    auto t2 = d.on_timeout();
    ASSERT_TRUE(t2.submit.has_value());
    EXPECT_EQ(*t2.submit, "5");
    auto r = d.on_rejected(true);
    EXPECT_EQ(r.play.front(), IvrPrompt::Unavailable);
    EXPECT_TRUE(r.hangup);
}

}  // namespace
