#include "core/data_dir.hpp"
#include "services/adapter.hpp"
#include "services/service_adapters.hpp"

#include <array>
#include <utility>

namespace services {

namespace {

using Factory = std::unique_ptr<Adapter> (*)(const core::ServiceConfig&);
constexpr std::array<std::pair<std::string_view, Factory>, 3> kAdapters{{
    {"janus", &make_janus_adapter},
    {"jitsi", &make_jitsi_adapter},
    {"bigbluebutton", &make_bigbluebutton_adapter},
}};

constexpr std::array<std::pair<Action, std::string_view>, 5> kActions{{
    {Action::Mute, "mute"},
    {Action::Camera, "camera"},
    {Action::Hand, "hand"},
    {Action::TileView, "tile"},
    {Action::Leave, "leave"},
}};

}  // namespace

std::string_view action_name(Action a) {
    for (const auto& [action, name] : kActions)
        if (action == a) return name;
    return "unknown";
}

std::optional<Action> action_from_name(std::string_view name) {
    for (const auto& [action, n] : kActions)
        if (n == name) return action;
    return std::nullopt;
}

std::string Adapter::script_path() const {
    return core::data_file("services/" + std::string(name()) + ".js");
}

core::Result<std::unique_ptr<Adapter>> make_adapter(const core::ServiceConfig& config) {
    const std::string& kind = config.adapter_kind();
    for (const auto& [name, factory] : kAdapters)
        if (name == kind) return factory(config);
    return core::fail("unknown service '" + kind + "' (janus, jitsi, bigbluebutton)");
}

core::Result<AdapterRegistry> make_adapters(const std::vector<core::ServiceConfig>& configs) {
    AdapterRegistry adapters;
    for (const auto& c : configs) {
        auto adapter = make_adapter(c);
        if (!adapter) return core::fail("service '" + c.name + "': " + adapter.error().message);
        if (!adapters.emplace(c.name, std::move(*adapter)).second)
            return core::fail("service '" + c.name + "' is configured twice");
    }
    return adapters;
}

}  // namespace services
