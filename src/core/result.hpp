// Errors a caller can act on are values, not exceptions thrown across the event loop.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace core {

struct Error {
    std::string message;
    int code = 0;  // protocol status for the caller to answer with (SIP or HTTP), 0 if none
};

template <class T>
class Result {
public:
    Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
    Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

    [[nodiscard]] bool ok() const noexcept { return std::holds_alternative<T>(v_); }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & { return std::get<T>(v_); }
    const T& value() const& { return std::get<T>(v_); }
    T&& value() && { return std::get<T>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    [[nodiscard]] const Error& error() const { return std::get<Error>(v_); }

private:
    std::variant<T, Error> v_;
};

// For operations that yield nothing but can fail.
struct Ok {};
using Status = Result<Ok>;

inline Error fail(std::string message, int code = 0) {
    return Error{std::move(message), code};
}

}  // namespace core
