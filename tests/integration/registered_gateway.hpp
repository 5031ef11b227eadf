// The options of a gateway whose slots register at the test's Kamailio: what the tests of calls
// routed through Kamailio start their gateways with.
#pragma once

#include "support/gateway.hpp"
#include "support/kamailio.hpp"

#include <cstdint>
#include <string>

namespace testsupport {

// A gateway registering `slots` slots at `kam` over UDP and taking as many calls; `name` is
// its config file, log and slot prefix (`<name>.1`, ...).
inline GatewayOptions registered_to(const Kamailio& kam, uint32_t slots,
                                    const std::string& name = "sipmediagw") {
    GatewayOptions o;
    o.name = name;
    o.ua_name = name;
    o.registrar_server = kam.uri() + ";transport=udp";
    o.registrar_secret = kam.secret();
    o.slots = slots;
    o.max_calls = slots;
    return o;
}

}  // namespace testsupport
