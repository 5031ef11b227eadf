// The pool's shared-browser mode ([browser] calls_per_browser > 1): a browser ("host") serves
// up to N calls, each in a browser context of its own. A spare is a context opened in advance in
// a running host, so taking one is as instant as taking a warm browser; a host that has opened
// its N contexts is left to its leases and goes when the last one does.
#include "browser/pool.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <numeric>

namespace browser {

size_t Pool::contexts_opening() const {
    return std::accumulate(opening_.begin(), opening_.end(), size_t{0},
                           [](size_t n, const auto& e) { return n + e.second; });
}

void Pool::refill_contexts() {
    const size_t wanted = this->wanted();
    // A starting host will open as many contexts as are wanted of it, so calls that arrive
    // together share it rather than each starting a browser.
    while (ready_.size() + contexts_opening() + starting_.size() * options_.calls_per_browser <
           wanted) {
        auto room = std::ranges::find_if(hosts_, [this](const auto& h) {
            return h->ready() && !h->failed() && h->contexts_opened() < options_.calls_per_browser;
        });
        if (room != hosts_.end()) {
            open_context(*room);
            continue;
        }
        const size_t before = starting_.size();
        launch_one();
        if (starting_.size() == before) break;  // launch failed; retry was scheduled
    }
    // A full host belongs to its leases alone now, and one without calls or spares (its calls
    // ended) is not kept idle. Not destroyed here: this may run inside one of its callbacks.
    for (auto it = hosts_.begin(); it != hosts_.end();) {
        const bool full = (*it)->contexts_opened() >= options_.calls_per_browser;
        const bool idle = (*it)->ready() && (*it)->leases() == 0;
        if ((full || idle) && !opening_.contains(it->get())) {
            host_graveyard_.push_back(std::move(*it));
            it = hosts_.erase(it);
            empty_graveyards_later();
        } else {
            ++it;
        }
    }
}

void Pool::host_started(std::unique_ptr<Browser> b) {
    std::shared_ptr<Browser> host = std::move(b);
    const Browser* raw = host.get();
    std::weak_ptr<bool> alive = alive_;
    // Leases held by calls can keep a host running after the pool is gone.
    host->on_failure([this, alive, raw](const std::string& cause) {
        if (!alive.expired()) host_failed(raw, cause);
    });
    // A call ended: its host may now be idle, or the spare count short.
    host->on_lease_ended([this, alive]() {
        if (!alive.expired()) schedule_refill(0);
    });
    hosts_.push_back(std::move(host));
    refill_contexts();
}

void Pool::open_context(const std::shared_ptr<Browser>& host) {
    const Browser* raw = host.get();
    ++opening_[raw];
    std::weak_ptr<bool> alive = alive_;
    Browser::open_context(host, [this, alive, raw](core::Result<std::unique_ptr<Browser>> lease) {
        if (!alive.expired()) context_opened(raw, std::move(lease));
    });
}

void Pool::context_opened(const Browser* host, core::Result<std::unique_ptr<Browser>> lease) {
    auto it = opening_.find(host);
    if (it == opening_.end()) return;  // the host failed meanwhile; a lease goes with it
    if (--it->second == 0) opening_.erase(it);
    if (!lease) {
        spdlog::warn("browser: context did not open cause=\"{}\"", lease.error().message);
        // A host that cannot open contexts serves no more calls.
        auto h = std::ranges::find_if(hosts_, [host](const auto& p) { return p.get() == host; });
        if (h != hosts_.end()) {
            host_graveyard_.push_back(std::move(*h));
            hosts_.erase(h);
        }
        ++failures_in_a_row_;
        schedule_refill(std::min<uint64_t>(
            30000, uint64_t{options_.retry_delay_ms} << std::min(failures_in_a_row_ - 1, 5U)));
        return;
    }
    failures_in_a_row_ = 0;
    if (!waiters_.empty()) {
        auto w = std::move(waiters_.front());
        waiters_.pop_front();
        spdlog::info("browser: handed out pid={} context={} (cold start)", (*lease)->pid(),
                     (*lease)->context_id());
        w(std::move(*lease));
        schedule_refill(0);
        return;
    }
    Browser* b = lease->get();
    b->on_failure([this, b](const std::string& cause) { spare_failed(b, cause); });
    ready_.push_back(std::move(*lease));
    preload(b);
    schedule_refill(0);
}

void Pool::host_failed(const Browser* host, const std::string& cause) {
    // Its leases, spares and calls' alike, were told first (Browser::fail).
    opening_.erase(host);
    auto it = std::ranges::find_if(hosts_, [host](const auto& p) { return p.get() == host; });
    if (it != hosts_.end()) {
        spdlog::warn("browser: shared browser lost pid={} cause=\"{}\"", host->pid(), cause);
        host_graveyard_.push_back(std::move(*it));
        hosts_.erase(it);
        empty_graveyards_later();
    }
    schedule_refill(0);
}

}  // namespace browser
