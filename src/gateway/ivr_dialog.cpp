#include "gateway/ivr_dialog.hpp"

namespace gateway {

const char* ivr_prompt_id(IvrPrompt p) {
    switch (p) {
        case IvrPrompt::Welcome:
            return "welcome";
        case IvrPrompt::Invalid:
            return "invalid";
        case IvrPrompt::Goodbye:
            return "goodbye";
        case IvrPrompt::Joining:
            return "joining";
        case IvrPrompt::Unavailable:
            return "unavailable";
        case IvrPrompt::Timeout:
            return "timeout";
        case IvrPrompt::ServiceMenu:
            return "service_menu";
        case IvrPrompt::ServiceInvalid:
            return "service_invalid";
    }
    return "welcome";
}

IvrDialog::IvrDialog(IvrSettings settings)
    : settings_(std::move(settings)),
      tries_left_(settings_.tries == 0 ? 1 : settings_.tries),
      choosing_service_(!settings_.service_digits.empty()) {}

IvrStep IvrDialog::start() {
    IvrStep s;
    s.play = {question()};
    s.arm_timer = true;
    return s;
}

IvrStep IvrDialog::on_service_digit(char digit) {
    IvrStep s;
    s.arm_timer = true;
    if (digit == '#') {
        s.play = {IvrPrompt::ServiceMenu};  // '#' alone: say the menu again
        return s;
    }
    if (digit < '0' || digit > '9') return s;
    // One key chooses: no '#' needed, as in phone menus.
    if (settings_.service_digits.find(digit) == std::string::npos)
        return fail(IvrPrompt::ServiceInvalid);
    choosing_service_ = false;
    s.service = digit;
    s.play = {IvrPrompt::Welcome};
    return s;
}

IvrStep IvrDialog::on_digit(char digit) {
    // Keys pressed while a number is looked up, or after goodbye, mean nothing.
    if (waiting_ || finished_) return IvrStep{{}, typed_, std::nullopt, std::nullopt, false, false};
    if (choosing_service_) return on_service_digit(digit);
    IvrStep s;
    if (digit >= '0' && digit <= '9') {
        if (typed_.size() < settings_.digits) typed_ += digit;
        if (typed_.size() >= settings_.digits) return submit();
    } else if (digit == '*') {
        if (!typed_.empty()) {
            typed_.pop_back();
        } else if (!settings_.service_digits.empty()) {
            // '*' with nothing typed goes back to the service menu (a wrong service chosen).
            choosing_service_ = true;
            s.play = {IvrPrompt::ServiceMenu};
        }
    } else if (digit == '#') {
        if (!typed_.empty()) return submit();
        s.play = {IvrPrompt::Welcome};  // '#' alone: say again what to do
    }
    s.typed = typed_;
    s.arm_timer = true;
    return s;
}

IvrStep IvrDialog::on_timeout() {
    if (waiting_ || finished_) return IvrStep{{}, typed_, std::nullopt, std::nullopt, false, false};
    // A caller who typed digits and then waited most likely forgot the '#'.
    if (!typed_.empty()) return submit();
    return fail(IvrPrompt::Timeout);
}

IvrStep IvrDialog::on_rejected(bool lookup_unavailable) {
    waiting_ = false;
    return fail(lookup_unavailable ? IvrPrompt::Unavailable : IvrPrompt::Invalid);
}

IvrStep IvrDialog::submit() {
    IvrStep s;
    s.submit = typed_;
    s.typed = typed_;
    s.play = {IvrPrompt::Joining};
    waiting_ = true;
    return s;
}

IvrStep IvrDialog::fail(IvrPrompt why) {
    typed_.clear();
    IvrStep s;
    if (tries_left_ > 0) --tries_left_;
    if (tries_left_ == 0) {
        finished_ = true;
        s.play = {why, IvrPrompt::Goodbye};
        s.hangup = true;
        return s;
    }
    s.play = {why, question()};
    s.arm_timer = true;
    return s;
}

}  // namespace gateway
