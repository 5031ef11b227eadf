// Constructors of the built-in adapters, for the registry only.
#pragma once

#include "services/adapter.hpp"

namespace services {

std::unique_ptr<Adapter> make_janus_adapter(const core::ServiceConfig& config);
std::unique_ptr<Adapter> make_jitsi_adapter(const core::ServiceConfig& config);
std::unique_ptr<Adapter> make_bigbluebutton_adapter(const core::ServiceConfig& config);

}  // namespace services
