// In-call DTMF keys (DESIGN §8 defaults, [dtmf] in the configuration).
#pragma once

#include "core/config.hpp"

#include <optional>
#include <string>
#include <vector>

namespace gateway {

enum class InCallKey { Mute, Camera, Hand, TileView, Layout, Menu, Leave };

// "mute", "camera", "hand", "tile", "layout", "menu", "leave"
const char* in_call_key_name(InCallKey k);

std::optional<InCallKey> in_call_key_for(const core::DtmfConfig& keys, char digit);

// Lines for the on-screen key menu ("1  microphone on/off", ...), in key order.
std::vector<std::string> in_call_menu_lines(const core::DtmfConfig& keys, const std::string& lang);

}  // namespace gateway
