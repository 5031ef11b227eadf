// A ready spare opens the configured service's page before any call (PoolOptions::preload):
// the call then finds the scripts fetched and compiled and the origin's renderer running, or
// the page at its pre-join step, instead of a tab to load from nothing. A pre-load that fails
// or has not finished costs nothing but itself: the spare is handed out as before and the call
// opens its own page.
#include "browser/pool.hpp"

#include <spdlog/spdlog.h>

namespace browser {

namespace {

bool joins_in_place(const Json& answer) {
    if (!answer.is_object()) return false;
    const auto it = answer.find("joinsInPlace");
    return it != answer.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

void Pool::preload(Browser* b) {
    const SparePreload& p = options_.preload;
    // In a shared browser too: a spare context's page has a renderer of its own (Chromium never
    // shares one between contexts), which a live call's crashed renderer leaves alone
    // (MeetingCallCrash.SharedBrowserKilledRendererRejoinsInTheSameBrowser).
    if (p.url.empty()) return;
    auto entry = std::make_unique<Preloading>();
    const uint64_t serial = entry->serial = ++preload_serial_;
    entry->started = std::chrono::steady_clock::now();
    std::weak_ptr<bool> alive = alive_;
    entry->deadline.start(p.timeout_ms, [this, alive, b, serial] {
        if (alive.expired()) return;
        const auto it = preloading_.find(b);
        const std::string step = it != preloading_.end() ? it->second->step : "";
        preload_failed(b, serial,
                       "not done within " + std::to_string(options_.preload.timeout_ms) + " ms (" +
                           step + ")");
    });
    preloading_[b] = std::move(entry);
    // Every permission before the page loads: the page's own scripts may ask for media at once,
    // and without camera permission Chromium offers the link no 127.0.0.1 candidate.
    b->grant_permissions(p.origin, [this, alive, b, serial](const core::Status& st) {
        if (alive.expired()) return;
        auto it = preloading_.find(b);
        if (it == preloading_.end() || it->second->serial != serial) return;
        if (!st) {
            preload_failed(b, serial, "permissions: " + st.error().message);
            return;
        }
        it->second->step = "opening the tab";
        PageOptions page = options_.preload.page;
        page.browser_context_id = b->context_id();
        it->second->page = Page::open(
            b->devtools(), std::move(page), [this, alive, b, serial](const core::Status& ready) {
                if (alive.expired()) return;
                if (!ready) {
                    preload_failed(b, serial, "page: " + ready.error().message);
                    return;
                }
                preload_loaded(b, serial);
            });
    });
}

void Pool::preload_loaded(Browser* b, uint64_t serial) {
    auto it = preloading_.find(b);
    if (it == preloading_.end() || it->second->serial != serial) return;
    std::weak_ptr<bool> alive = alive_;
    it->second->step = "loading the page";
    it->second->page->navigate(
        options_.preload.url, [this, alive, b, serial](const core::Status& st) {
            if (alive.expired()) return;
            auto found = preloading_.find(b);
            if (found == preloading_.end() || found->second->serial != serial) return;
            if (!st) {
                preload_failed(b, serial, "navigation: " + st.error().message);
                return;
            }
            if (options_.preload.prepare.empty()) {
                preload_done(b, serial, false);
                return;
            }
            found->second->step = "the adapter's prejoin()";
            found->second->page->evaluate(
                options_.preload.prepare, [this, alive, b, serial](const core::Result<Json>& r) {
                    if (alive.expired()) return;
                    if (!r) {
                        preload_failed(b, serial, "pre-join: " + r.error().message);
                        return;
                    }
                    preload_done(b, serial, joins_in_place(*r));
                });
        });
}

void Pool::preload_done(Browser* b, uint64_t serial, bool in_place) {
    auto it = preloading_.find(b);
    if (it == preloading_.end() || it->second->serial != serial) return;
    auto entry = std::move(it->second);
    preloading_.erase(it);
    entry->deadline.cancel();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - entry->started)
                        .count();
    spdlog::info("browser: spare pre-loaded pid={} url={} in {} ms{}", b->pid(),
                 options_.preload.url, ms, in_place ? " (at its pre-join step)" : "");
    b->keep_preloaded(PreloadedPage{std::move(entry->page), options_.preload.url, in_place});
}

void Pool::preload_failed(Browser* b, uint64_t serial, const std::string& cause) {
    auto it = preloading_.find(b);
    if (it == preloading_.end() || it->second->serial != serial) return;
    spdlog::warn(
        "browser: spare pre-load failed pid={} url={} cause=\"{}\"; its call will load "
        "the page itself",
        b->pid(), options_.preload.url, cause);
    abandon_preload(b);
}

bool Pool::abandon_preload(Browser* b) {
    auto it = preloading_.find(b);
    if (it == preloading_.end()) return false;
    auto entry = std::move(it->second);
    preloading_.erase(it);
    entry->deadline.cancel();
    // This may run inside the page's own callback, so the page is not closed here: the browser
    // keeps it under no URL, and the call that takes the browser closes it (take_preloaded).
    if (entry->page) b->keep_preloaded(PreloadedPage{std::move(entry->page), {}, false});
    return true;
}

}  // namespace browser
