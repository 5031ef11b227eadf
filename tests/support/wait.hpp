// Tests wait for conditions, never for fixed times: poll a predicate until a generous deadline.
#pragma once

#include <chrono>
#include <thread>

namespace testsupport {

using namespace std::chrono_literals;

template <class Predicate>
bool wait_until(Predicate&& predicate, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = 50ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (predicate()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(poll);
    }
}

}  // namespace testsupport
