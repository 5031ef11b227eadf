#include "gateway/ivr_session.hpp"

#include "core/data_dir.hpp"
#include "core/log.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <fstream>

namespace gateway {

namespace {

uint32_t le32(const unsigned char* p) {
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

}  // namespace

std::string ivr_prompt_file(IvrPrompt prompt, const std::string& lang) {
    return core::data_file(
        fmt::format("ivr/{}_{}.wav", ivr_prompt_id(prompt), lang == "fr" ? "fr" : "en"));
}

uint64_t wav_duration_ms(const std::string& path) {
    // RIFF chunks: "fmt " gives the byte rate, "data" the size.
    std::ifstream in(path, std::ios::binary);
    unsigned char riff[12];
    if (!in.read(reinterpret_cast<char*>(riff), sizeof riff)) return 0;
    uint32_t byte_rate = 0;
    unsigned char chunk[8];
    while (in.read(reinterpret_cast<char*>(chunk), sizeof chunk)) {
        const uint32_t size = le32(chunk + 4);
        if (std::string_view(reinterpret_cast<char*>(chunk), 4) == "fmt " && size >= 16) {
            unsigned char fmt_chunk[16];
            if (!in.read(reinterpret_cast<char*>(fmt_chunk), sizeof fmt_chunk)) return 0;
            byte_rate = le32(fmt_chunk + 8);
            in.seekg(size - 16 + (size & 1), std::ios::cur);
        } else if (std::string_view(reinterpret_cast<char*>(chunk), 4) == "data") {
            return byte_rate == 0 ? 0 : uint64_t{size} * 1000 / byte_rate;
        } else {
            in.seekg(size + (size & 1), std::ios::cur);
        }
    }
    return 0;
}

std::string ivr_screen_text(const core::IvrConfig& config, const std::string& typed) {
    const std::string& text = config.language == "fr" ? config.text_fr : config.text_en;
    return typed.empty() ? text : text + "\n" + typed;
}

std::string ivr_menu_text(const std::vector<ServiceMenuEntry>& menu, const std::string& lang) {
    std::string text = lang == "fr" ? "Choisissez le service :" : "Choose the service:";
    for (const auto& e : menu) text += fmt::format("\n{}  {}", e.digit, e.label);
    return text;
}

namespace {

std::string menu_digits(const std::vector<ServiceMenuEntry>& menu) {
    std::string digits;
    if (menu.size() < 2) return digits;  // one service to choose is no choice
    for (const auto& e : menu) digits += e.digit;
    return digits;
}

}  // namespace

IvrSession::IvrSession(std::string session_id, const core::IvrConfig& config, IvrHooks hooks,
                       std::vector<ServiceMenuEntry> menu, std::string service)
    : id_(std::move(session_id)),
      config_(config),
      hooks_(std::move(hooks)),
      menu_(std::move(menu)),
      service_(std::move(service)),
      dialog_(IvrSettings{config.digits, config.tries, config.inactivity_timeout_s,
                          menu_digits(menu_)}),
      mapper_(config) {}

void IvrSession::start() {
    apply(dialog_.start());
}

void IvrSession::on_digit(char digit) {
    apply(dialog_.on_digit(digit));
}

void IvrSession::apply(const IvrStep& step) {
    // The choice first: the screen and prompts below already belong to the room number.
    if (step.service) {
        for (const auto& e : menu_)
            if (e.digit == *step.service) service_ = e.service;
        if (hooks_.choose_service) hooks_.choose_service(*step.service);
    }
    if (hooks_.show)
        hooks_.show(dialog_.choosing_service() ? ivr_menu_text(menu_, config_.language)
                                               : ivr_screen_text(config_, step.typed));
    uint64_t prompts_ms = 0;
    if (!step.play.empty()) {
        std::vector<std::string> files;
        std::string names;
        for (IvrPrompt p : step.play) {
            files.push_back(ivr_prompt_file(p, config_.language));
            prompts_ms += wav_duration_ms(files.back());
            names += (names.empty() ? "" : ",") + std::string(ivr_prompt_id(p));
        }
        spdlog::info("gateway: sess={} ivr prompt={} typed=\"{}\" tries_left={}", id_, names,
                     step.typed, dialog_.tries_left());
        if (hooks_.play) hooks_.play(files);
    }
    inactivity_.cancel();
    if (step.arm_timer && config_.inactivity_timeout_s > 0) {
        // The caller gets the whole prompt before the silence counts.
        inactivity_.start(prompts_ms + uint64_t{config_.inactivity_timeout_s} * 1000,
                          [this] { apply(dialog_.on_timeout()); });
    }
    if (step.hangup) {
        spdlog::info("gateway: sess={} ivr gave up after {} tries", id_, config_.tries);
        after_prompts_.start(prompts_ms + 500, [this] {
            if (hooks_.hangup) hooks_.hangup("ivr: no valid conference number");
        });
        return;
    }
    if (step.submit) {
        const std::string number = *step.submit;
        spdlog::info("gateway: sess={} ivr number=\"{}\" submitted", id_, number);
        if (config_.mapper_url.empty()) {
            // Without a mapper the number is the room name itself.
            looked_up(number, MapperAnswer{number, false, "no mapper"});
        } else {
            mapper_.lookup(number, service_,
                           [this, number](const MapperAnswer& a) { looked_up(number, a); });
        }
    }
}

void IvrSession::looked_up(const std::string& number, const MapperAnswer& answer) {
    if (answer.room.empty()) {
        spdlog::info("gateway: sess={} ivr number=\"{}\" rejected unavailable={} detail=\"{}\"",
                     id_, number, answer.unavailable, answer.detail);
        apply(dialog_.on_rejected(answer.unavailable));
        return;
    }
    spdlog::info("gateway: sess={} ivr number=\"{}\" room=\"{}\"", id_, number, answer.room);
    inactivity_.cancel();
    if (hooks_.join && !hooks_.join(answer.room)) apply(dialog_.on_rejected(false));
}

}  // namespace gateway
