#include "gateway/in_call_keys.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace gateway {

namespace {

struct KeyInfo {
    InCallKey key;
    std::string core::DtmfConfig::*field;
    const char* name;
    const char* label_en;
    const char* label_fr;
};

constexpr std::array<KeyInfo, 7> kKeys{{
    {InCallKey::Mute, &core::DtmfConfig::mute, "mute", "microphone on/off", "micro on/off"},
    {InCallKey::Camera, &core::DtmfConfig::camera, "camera", "camera on/off", "caméra on/off"},
    {InCallKey::Hand, &core::DtmfConfig::hand, "hand", "raise/lower hand", "lever/baisser la main"},
    {InCallKey::TileView, &core::DtmfConfig::tile, "tile", "tile view", "vue mosaïque"},
    {InCallKey::Layout, &core::DtmfConfig::layout, "layout", "speaker view / grid",
     "orateur / mosaïque"},
    {InCallKey::Menu, &core::DtmfConfig::menu, "menu", "this menu", "ce menu"},
    {InCallKey::Leave, &core::DtmfConfig::leave, "leave", "leave the meeting",
     "quitter la réunion"},
}};

}  // namespace

const char* in_call_key_name(InCallKey k) {
    for (const auto& info : kKeys)
        if (info.key == k) return info.name;
    return "unknown";
}

std::optional<InCallKey> in_call_key_for(const core::DtmfConfig& keys, char digit) {
    for (const auto& info : kKeys) {
        const std::string& bound = keys.*(info.field);
        if (bound.size() == 1 && bound[0] == digit) return info.key;
    }
    return std::nullopt;
}

std::vector<std::string> in_call_menu_lines(const core::DtmfConfig& keys, const std::string& lang) {
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& info : kKeys) {
        const std::string& bound = keys.*(info.field);
        if (bound.empty()) continue;
        rows.emplace_back(bound, lang == "fr" ? info.label_fr : info.label_en);
    }
    // Digits first, then * and #, as on a keypad.
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        auto rank = [](char c) { return c >= '0' && c <= '9' ? c - '0' : (c == '*' ? 10 : 11); };
        return rank(a.first[0]) < rank(b.first[0]);
    });
    std::vector<std::string> lines;
    lines.reserve(rows.size());
    for (const auto& [k, label] : rows) lines.push_back(std::string(k).append("  ").append(label));
    return lines;
}

}  // namespace gateway
