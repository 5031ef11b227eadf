// Chromium over the DevTools pipe, without the page layer: launch, commands, shutdown, clean-up.
#include "browser/browser.hpp"
#include "browser_fixture.hpp"
#include "process_probe.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <iterator>

#include <unistd.h>
#include <optional>

namespace {

using browser::Json;

class ChromiumTest : public browser_test::BrowserFixture {
protected:
    std::unique_ptr<browser::Browser> start(std::optional<core::Status>& ready,
                                            browser::HealthOptions health = {}) {
        auto b = browser::Browser::launch(launch_options(), health,
                                          [&ready](core::Status st) { ready = std::move(st); });
        EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
        if (!b) return nullptr;
        track((*b)->pid());
        return std::move(*b);
    }

    // Opens the browser's first page (it starts without one) and attaches to it with a flat
    // session; returns the sessionId.
    std::string attach_first_page(browser::Browser& b) {
        std::optional<core::Result<Json>> targets;
        b.devtools().send("Target.getTargets", Json::object(),
                          [&](core::Result<Json> r) { targets = std::move(r); });
        EXPECT_TRUE(run_until([&] { return targets.has_value(); }));
        EXPECT_TRUE(targets && targets->ok());
        for (const auto& t : (**targets)["targetInfos"])
            EXPECT_NE(t["type"], "page") << "a start page: " << t.dump();
        std::optional<core::Result<Json>> created;
        b.devtools().send("Target.createTarget", Json{{"url", "about:blank"}},
                          [&](core::Result<Json> r) { created = std::move(r); });
        EXPECT_TRUE(run_until([&] { return created.has_value(); }));
        EXPECT_TRUE(created && created->ok());
        const std::string target_id =
            (created && created->ok()) ? (**created)["targetId"].get<std::string>() : "";
        EXPECT_FALSE(target_id.empty());
        std::optional<core::Result<Json>> attached;
        b.devtools().send("Target.attachToTarget", Json{{"targetId", target_id}, {"flatten", true}},
                          [&](core::Result<Json> r) { attached = std::move(r); });
        EXPECT_TRUE(run_until([&] { return attached.has_value(); }));
        EXPECT_TRUE(attached && attached->ok());
        return (attached && attached->ok()) ? (**attached)["sessionId"].get<std::string>() : "";
    }

    core::Result<Json> evaluate(browser::Browser& b, const std::string& session,
                                const std::string& expression) {
        std::optional<core::Result<Json>> out;
        b.devtools().send(
            "Runtime.evaluate", Json{{"expression", expression}, {"returnByValue", true}},
            [&](core::Result<Json> r) { out = std::move(r); }, session);
        if (!run_until([&] { return out.has_value(); })) return core::fail("no answer");
        return std::move(*out);
    }
};

TEST_F(ChromiumTest, EvaluatesOnePlusOneOverThePipe) {
    std::optional<core::Status> ready;
    auto b = start(ready);
    ASSERT_TRUE(b);
    ASSERT_TRUE(run_until([&] { return ready.has_value(); }));
    ASSERT_TRUE(ready->ok()) << ready->error().message;
    EXPECT_NE(b->product().find("Chrome/"), std::string::npos) << b->product();
    const std::string session = attach_first_page(*b);
    ASSERT_FALSE(session.empty());
    auto r = evaluate(*b, session, "1+1");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ((*r)["result"]["value"], 2);
}

TEST_F(ChromiumTest, ProtocolErrorIsAnErrorValue) {
    std::optional<core::Status> ready;
    auto b = start(ready);
    ASSERT_TRUE(b);
    ASSERT_TRUE(run_until([&] { return ready.has_value() && ready->ok(); }));
    std::optional<core::Result<Json>> out;
    b->devtools().send("No.suchMethod", Json::object(),
                       [&](core::Result<Json> r) { out = std::move(r); });
    ASSERT_TRUE(run_until([&] { return out.has_value(); }));
    ASSERT_FALSE(out->ok());
    EXPECT_NE(out->error().message.find("No.suchMethod"), std::string::npos)
        << out->error().message;
}

// Messages far larger than a pipe's buffer (64 KiB): the command goes out in many partial
// writes, the answer comes in many reads, and the NUL framing holds.
TEST_F(ChromiumTest, MessagesLargerThanThePipeBufferBothWays) {
    std::optional<core::Status> ready;
    auto b = start(ready);
    ASSERT_TRUE(b);
    ASSERT_TRUE(run_until([&] { return ready.has_value() && ready->ok(); }));
    const std::string session = attach_first_page(*b);
    ASSERT_FALSE(session.empty());
    const std::string big(3 * 1024 * 1024, 'a');
    auto out = evaluate(*b, session, "'" + big + "'.length");
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ((*out)["result"]["value"], big.size());
    auto back = evaluate(*b, session, "'b'.repeat(3 * 1024 * 1024) + 'end'");
    ASSERT_TRUE(back.ok()) << back.error().message;
    const std::string value = (*back)["result"]["value"];
    EXPECT_EQ(value.size(), 3U * 1024 * 1024 + 3);
    EXPECT_EQ(value.substr(value.size() - 4), "bend");
    // Commands sent back to back are answered each to its own callback.
    std::vector<int> answers(20, -1);
    for (int i = 0; i < 20; ++i)
        b->devtools().send(
            "Runtime.evaluate",
            Json{{"expression", std::to_string(i) + "*2"}, {"returnByValue", true}},
            [&answers, i](core::Result<Json> r) {
                if (r.ok()) answers[i] = (*r)["result"]["value"];
            },
            session);
    ASSERT_TRUE(run_until([&] { return b->devtools().pending() == 0; }));
    for (int i = 0; i < 20; ++i) EXPECT_EQ(answers[i], i * 2);
}

TEST_F(ChromiumTest, TwoBrowsersAtOnceAreIndependent) {
    std::optional<core::Status> ready_a;
    std::optional<core::Status> ready_b;
    auto a = start(ready_a);
    auto b = start(ready_b);
    ASSERT_TRUE(a && b);
    ASSERT_TRUE(run_until([&] { return ready_a.has_value() && ready_b.has_value(); }));
    ASSERT_TRUE(ready_a->ok() && ready_b->ok());
    EXPECT_NE(a->pid(), b->pid());
    EXPECT_NE(a->user_data_dir(), b->user_data_dir());
    const std::string sa = attach_first_page(*a);
    const std::string sb = attach_first_page(*b);
    ASSERT_TRUE(evaluate(*a, sa, "window.tag = 'a'").ok());
    ASSERT_TRUE(evaluate(*b, sb, "window.tag = 'b'").ok());
    auto ra = evaluate(*a, sa, "window.tag");
    auto rb = evaluate(*b, sb, "window.tag");
    ASSERT_TRUE(ra.ok() && rb.ok());
    EXPECT_EQ((*ra)["result"]["value"], "a");
    EXPECT_EQ((*rb)["result"]["value"], "b");
}

TEST_F(ChromiumTest, NothingLeftAfterDestruction) {
    std::optional<core::Status> ready;
    auto b = start(ready);
    ASSERT_TRUE(b);
    ASSERT_TRUE(run_until([&] { return ready.has_value() && ready->ok(); }));
    const pid_t pid = b->pid();
    const std::string profile = b->user_data_dir();
    ASSERT_TRUE(std::filesystem::exists(profile));
    // Chromium forks helpers (zygote, renderer, utility): they must all go with it.
    EXPECT_GT(browser_test::process_group_members(pid).size(), 1U);
    // Discarding does not block the control thread; the reaper finishes the job.
    b.reset();
    ASSERT_TRUE(browser::Reaper::instance().drain());
    EXPECT_FALSE(browser_test::process_alive(pid));
    EXPECT_TRUE(browser_test::process_group_members(pid).empty());
    EXPECT_TRUE(browser_test::processes_mentioning(profile).empty());
    EXPECT_FALSE(std::filesystem::exists(profile));
}

// If the gateway dies, its pipe ends close: Chromium must go too, not linger as an orphan.
TEST_F(ChromiumTest, ChromiumExitsWhenThePipeCloses) {
    auto c = browser::Chromium::launch(launch_options());
    ASSERT_TRUE(c.ok()) << c.error().message;
    auto& chromium = **c;
    track(chromium.pid());
    {
        auto read_end = chromium.take_devtools_read();
        auto write_end = chromium.take_devtools_write();
        // One command answered first, so Chromium is surely serving the pipe.
        const std::string cmd = R"({"id":1,"method":"Browser.getVersion"})";
        ASSERT_EQ(::write(write_end.get(), cmd.c_str(), cmd.size() + 1),
                  static_cast<ssize_t>(cmd.size() + 1));
        std::string got;
        ASSERT_TRUE(run_until([&] {
            char buf[4096];
            const ssize_t n = ::read(read_end.get(), buf, sizeof buf);
            if (n > 0) got.append(buf, static_cast<size_t>(n));
            return got.find('\0') != std::string::npos;
        }));
    }  // both ends closed here, as when the gateway process dies
    EXPECT_TRUE(run_until([&] { return !chromium.running(); }));
    c->reset();
}

// Chromium keeps only the last --disable-features: configured ones must not drop ours.
TEST(ChromiumCommandLine, ConfiguredDisabledFeaturesAreMergedWithOurs) {
    browser::LaunchOptions o;
    o.extra_flags = {"--disable-features=Translate", "--lang=fr"};
    const auto args = browser::chromium_command_line(o, "/tmp/profile");
    int disable_flags = 0;
    for (const auto& a : args) {
        if (a.rfind("--disable-features=", 0) != 0) continue;
        ++disable_flags;
        EXPECT_NE(a.find("WebRtcHideLocalIpsWithMdns"), std::string::npos) << a;
        EXPECT_NE(a.find("Translate"), std::string::npos) << a;
    }
    EXPECT_EQ(disable_flags, 1);
    EXPECT_NE(std::find(args.begin(), args.end(), "--lang=fr"), args.end());
    EXPECT_NE(std::find(args.begin(), args.end(), "--remote-debugging-pipe"), args.end());
    EXPECT_NE(std::find(args.begin(), args.end(), "--user-data-dir=/tmp/profile"), args.end());
    // Configured flags come last; no start URL (--no-startup-window).
    EXPECT_EQ(args.back(), "--lang=fr");
    EXPECT_NE(std::find(args.begin(), args.end(), "--no-startup-window"), args.end());
}

// The network and audio services run in the browser process by default; a configured feature
// list can undo that (Chromium keeps a feature in both lists disabled, so ours must let go).
TEST(ChromiumCommandLine, ServicesInProcessUnlessConfiguredOtherwise) {
    const auto features = [](const std::vector<std::string>& args, const std::string& prefix) {
        std::vector<std::string> found;
        std::ranges::copy_if(args, std::back_inserter(found),
                             [&](const std::string& a) { return a.rfind(prefix, 0) == 0; });
        return found;
    };
    browser::LaunchOptions o;
    auto args = browser::chromium_command_line(o, "/tmp/profile");
    ASSERT_EQ(features(args, "--enable-features=").size(), 1U);
    EXPECT_EQ(features(args, "--enable-features=")[0],
              "--enable-features=NetworkServiceInProcess2");
    ASSERT_EQ(features(args, "--disable-features=").size(), 1U);
    EXPECT_NE(features(args, "--disable-features=")[0].find(",AudioServiceOutOfProcess"),
              std::string::npos);

    o.extra_flags = {"--enable-features=AudioServiceOutOfProcess,Foo",
                     "--disable-features=NetworkServiceInProcess2"};
    args = browser::chromium_command_line(o, "/tmp/profile");
    ASSERT_EQ(features(args, "--enable-features=").size(), 1U);
    EXPECT_EQ(features(args, "--enable-features=")[0],
              "--enable-features=AudioServiceOutOfProcess,Foo");
    ASSERT_EQ(features(args, "--disable-features=").size(), 1U);
    const std::string disabled = features(args, "--disable-features=")[0];
    EXPECT_EQ(disabled.find("AudioServiceOutOfProcess"), std::string::npos) << disabled;
    EXPECT_NE(disabled.find("NetworkServiceInProcess2"), std::string::npos) << disabled;
    EXPECT_NE(disabled.find("WebRtcHideLocalIpsWithMdns"), std::string::npos) << disabled;
}

// Low-end mode (the discardable memory limit) with V8's heap limit given back; a configured
// --js-flags goes after ours, in the one --js-flags Chromium reads.
TEST(ChromiumCommandLine, LowEndModeAndConfiguredJsFlagsMergedWithOurs) {
    browser::LaunchOptions o;
    o.extra_flags = {"--js-flags=--max-old-space-size=4096 --expose-gc"};
    const auto args = browser::chromium_command_line(o, "/tmp/profile");
    EXPECT_NE(std::find(args.begin(), args.end(), "--enable-low-end-device-mode"), args.end());
    std::vector<std::string> js;
    std::ranges::copy_if(args, std::back_inserter(js),
                         [](const std::string& a) { return a.rfind("--js-flags=", 0) == 0; });
    ASSERT_EQ(js.size(), 1U);
    EXPECT_EQ(js[0], "--js-flags=--max-old-space-size=1024 --max-old-space-size=4096 --expose-gc");
}

// Finding 10 of the 2026-12 review: the sandbox is dropped only where Chromium cannot have one.
TEST(ChromiumCommandLine, SandboxIsKeptUnlessRoot) {
    browser::LaunchOptions o;
    const auto has_no_sandbox = [](const std::vector<std::string>& args) {
        return std::find(args.begin(), args.end(), "--no-sandbox") != args.end();
    };
    EXPECT_TRUE(has_no_sandbox(browser::chromium_command_line(o, "/tmp/p", 0)));
    EXPECT_FALSE(has_no_sandbox(browser::chromium_command_line(o, "/tmp/p", 1000)));
    EXPECT_FALSE(has_no_sandbox(browser::chromium_command_line(o, "/tmp/p", 65534)));

    auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
    const bool warned_root = browser::warn_if_unsandboxed(0);
    const bool warned_user = browser::warn_if_unsandboxed(1000);
    const auto lines = sink->last_formatted();
    spdlog::set_default_logger(previous);
    EXPECT_TRUE(warned_root);
    EXPECT_FALSE(warned_user);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("--no-sandbox"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("warning"), std::string::npos) << lines[0];
}

TEST_F(ChromiumTest, MissingExecutableIsAClearError) {
    browser::LaunchOptions opts = launch_options();
    opts.executable = "/nonexistent/chromium";
    auto b = browser::Browser::launch(opts, {}, [](core::Status) {});
    // posix_spawn reports exec failures either at once or as an immediate exit (127).
    if (b.ok()) {
        auto bb = std::move(*b);
        ASSERT_TRUE(run_until([&] { return bb->failed(); }));
        EXPECT_FALSE(bb->ready());
    } else {
        EXPECT_NE(b.error().message.find("/nonexistent/chromium"), std::string::npos);
    }
}

}  // namespace
