// A spare's replacement, deferred while the call that took the spare joins: starting a Chromium
// and pre-loading its page takes both cores of a small host for about three seconds, and doing
// it during the join doubled the time until the meeting saw the caller (docs/browser.md,
// "Refill after the join"). Released once, by release() or by being destroyed with the browser.
#pragma once

#include <functional>
#include <string>
#include <utility>

namespace browser {

class RefillHold {
public:
    using Release = std::function<void(const std::string& cause)>;

    RefillHold() = default;
    explicit RefillHold(Release release) : release_(std::move(release)) {}
    ~RefillHold() { release("its browser went: the call ended or failed"); }
    RefillHold(const RefillHold&) = delete;
    RefillHold& operator=(const RefillHold&) = delete;
    RefillHold(RefillHold&& other) noexcept : release_(std::exchange(other.release_, nullptr)) {}
    RefillHold& operator=(RefillHold&& other) noexcept {
        if (this != &other) {
            release("replaced");
            release_ = std::exchange(other.release_, nullptr);
        }
        return *this;
    }

    void release(const std::string& cause) {
        if (auto fn = std::exchange(release_, nullptr)) fn(cause);
    }

private:
    Release release_;
};

}  // namespace browser
