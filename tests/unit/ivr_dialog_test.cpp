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

namespace {

using gateway::IvrDialog;
using gateway::IvrPrompt;

// Services on keys 1 and 2: the menu comes first, then the room number as without one.
IvrDialog with_menu(unsigned tries = 3) {
    return IvrDialog(gateway::IvrSettings{4, tries, 10, "12"});
}

TEST(IvrServiceMenu, MenuFirstThenOneKeyChoosesThenTheRoomNumber) {
    auto d = with_menu();
    EXPECT_TRUE(d.choosing_service());
    EXPECT_EQ(d.start().play, std::vector<IvrPrompt>{IvrPrompt::ServiceMenu});
    auto chosen = d.on_digit('2');
    ASSERT_TRUE(chosen.service.has_value());
    EXPECT_EQ(*chosen.service, '2');
    EXPECT_EQ(chosen.play, std::vector<IvrPrompt>{IvrPrompt::Welcome});
    EXPECT_FALSE(chosen.submit.has_value());
    EXPECT_FALSE(d.choosing_service());
    EXPECT_EQ(d.typed(), "");  // the service key is not part of the number
    d.on_digit('4');
    auto sub = d.on_digit('#');
    ASSERT_TRUE(sub.submit.has_value());
    EXPECT_EQ(*sub.submit, "4");
    EXPECT_FALSE(sub.service.has_value());
}

TEST(IvrServiceMenu, WrongKeyCostsATryAndAsksAgain) {
    auto d = with_menu(2);
    d.start();
    auto wrong = d.on_digit('9');
    EXPECT_FALSE(wrong.service.has_value());
    EXPECT_EQ(wrong.play,
              (std::vector<IvrPrompt>{IvrPrompt::ServiceInvalid, IvrPrompt::ServiceMenu}));
    EXPECT_TRUE(d.choosing_service());
    EXPECT_EQ(d.tries_left(), 1U);
    auto last = d.on_digit('0');
    EXPECT_TRUE(last.hangup);
    EXPECT_EQ(last.play, (std::vector<IvrPrompt>{IvrPrompt::ServiceInvalid, IvrPrompt::Goodbye}));
}

TEST(IvrServiceMenu, HashRepeatsTheMenuAndSilenceAsksAgain) {
    auto d = with_menu();
    d.start();
    EXPECT_EQ(d.on_digit('#').play, std::vector<IvrPrompt>{IvrPrompt::ServiceMenu});
    EXPECT_EQ(d.tries_left(), 3U);
    auto t = d.on_timeout();
    EXPECT_EQ(t.play, (std::vector<IvrPrompt>{IvrPrompt::Timeout, IvrPrompt::ServiceMenu}));
    EXPECT_TRUE(d.choosing_service());
}

TEST(IvrServiceMenu, StarWithNothingTypedGoesBackToTheMenu) {
    auto d = with_menu();
    d.start();
    d.on_digit('1');
    d.on_digit('5');
    EXPECT_EQ(d.on_digit('*').typed, "");  // erases the 5
    EXPECT_FALSE(d.choosing_service());
    EXPECT_EQ(d.on_digit('*').play, std::vector<IvrPrompt>{IvrPrompt::ServiceMenu});
    EXPECT_TRUE(d.choosing_service());
    EXPECT_EQ(*d.on_digit('2').service, '2');
    // A wrong room number then asks for the number again, not the service.
    d.on_digit('7');
    d.on_digit('#');
    EXPECT_EQ(d.on_rejected(false).play,
              (std::vector<IvrPrompt>{IvrPrompt::Invalid, IvrPrompt::Welcome}));
}

TEST(IvrServiceMenu, WithoutMenuStarOnNothingDoesNothing) {
    IvrDialog d(gateway::IvrSettings{4, 3, 10});
    d.start();
    EXPECT_FALSE(d.choosing_service());
    EXPECT_TRUE(d.on_digit('*').play.empty());
}

}  // namespace
