// A control loop plus helpers to start a real Chromium and wait for it.
#pragma once

#include "browser/browser.hpp"
#include "browser/page.hpp"
#include "loop_fixture.hpp"

#include <optional>

namespace browser_test {

class BrowserFixture : public LoopFixture {
protected:
    // Starts a browser and waits until it answered; nullptr (with a test failure) otherwise.
    std::unique_ptr<browser::Browser> launch_ready(browser::HealthOptions health = {}) {
        std::optional<core::Status> ready;
        auto b = browser::Browser::launch(browser::LaunchOptions{}, health,
                                          [&ready](core::Status st) { ready = std::move(st); });
        EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
        if (!b) return nullptr;
        EXPECT_TRUE(run_until([&] { return ready.has_value(); }));
        EXPECT_TRUE(ready && ready->ok()) << (ready && !ready->ok() ? ready->error().message : "");
        if (!ready || !ready->ok()) return nullptr;
        // The ready handler referenced a local: the object outlives this frame.
        return std::move(*b);
    }

    std::unique_ptr<browser::Page> open_page(browser::Browser& b,
                                             browser::PageOptions options = {}) {
        std::optional<core::Status> ready;
        auto page = browser::Page::open(b.devtools(), std::move(options),
                                        [&ready](core::Status st) { ready = std::move(st); });
        EXPECT_TRUE(run_until([&] { return ready.has_value(); }));
        EXPECT_TRUE(ready && ready->ok()) << (ready && !ready->ok() ? ready->error().message : "");
        if (!ready || !ready->ok()) return nullptr;
        return page;
    }

    core::Status navigate(browser::Page& page, const std::string& url) {
        std::optional<core::Status> done;
        page.navigate(url, [&done](core::Status st) { done = std::move(st); });
        if (!run_until([&] { return done.has_value(); })) return core::fail("navigation timed out");
        return std::move(*done);
    }

    core::Result<browser::Json> evaluate(browser::Page& page, const std::string& expression,
                                         const std::string& session = {}) {
        std::optional<core::Result<browser::Json>> out;
        page.evaluate(
            expression, [&out](core::Result<browser::Json> r) { out = std::move(r); }, session);
        if (!run_until([&] { return out.has_value(); })) return core::fail("evaluate timed out");
        return std::move(*out);
    }
};

}  // namespace browser_test
