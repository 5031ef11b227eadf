// The IVR of one call: IvrDialog's decisions carried out with timers, the conference mapper and
// the call's media (prompts, on-screen text). The session owns one; the gateway feeds it digits.
#pragma once

#include "core/config.hpp"
#include "core/control_loop.hpp"
#include "gateway/conference_mapper.hpp"
#include "gateway/ivr_dialog.hpp"
#include "gateway/service_routes.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gateway {

struct IvrHooks {
    // Prompt WAV files to play in order, replacing what plays now (may be empty).
    std::function<void(const std::vector<std::string>& wav_files)> play;
    // Text for the caller's screen: the instruction and the digits typed so far.
    std::function<void(const std::string& text)> show;
    // The number named this room: join it; false when the room is not acceptable (invalid name).
    std::function<bool(const std::string& room)> join;
    std::function<void(const std::string& cause)> hangup;
    // The caller pressed this key of the service menu (before typing the room number).
    std::function<void(char digit)> choose_service;
};

// The WAV file of a prompt in a language (built by CMake with espeak-ng).
std::string ivr_prompt_file(IvrPrompt prompt, const std::string& lang);
// How long a WAV plays, from its header; 0 when unreadable.
uint64_t wav_duration_ms(const std::string& path);
// The instruction text for the screen, with the digits typed so far.
std::string ivr_screen_text(const core::IvrConfig& config, const std::string& typed);
// The service menu for the screen: a title, then one "<digit>  <label>" line per service.
std::string ivr_menu_text(const std::vector<ServiceMenuEntry>& menu, const std::string& lang);

class IvrSession {
public:
    // With two or more `menu` entries the caller first chooses the service by its digit.
    // `service`: the service the call joins unless the menu changes it (the mapper's {service}).
    IvrSession(std::string session_id, const core::IvrConfig& config, IvrHooks hooks,
               std::vector<ServiceMenuEntry> menu = {}, std::string service = {});
    IvrSession(const IvrSession&) = delete;
    IvrSession& operator=(const IvrSession&) = delete;

    void start();
    void on_digit(char digit);

private:
    void apply(const IvrStep& step);
    void looked_up(const std::string& number, const MapperAnswer& answer);

    std::string id_;
    core::IvrConfig config_;
    IvrHooks hooks_;
    std::vector<ServiceMenuEntry> menu_;
    std::string service_;
    IvrDialog dialog_;
    ConferenceMapper mapper_;
    core::Timer inactivity_;
    core::Timer after_prompts_;  // goodbye, then BYE once it has been heard
};

}  // namespace gateway
