// Free ports on 127.0.0.1. Several test runs share this machine, so fixed ports would collide:
// each port is probed by binding it (UDP and TCP both, since SIP peers listen on both).
#pragma once

#include <cstdint>

namespace testsupport {

// A port free for both UDP and TCP on 127.0.0.1.
uint16_t free_port();
// `count` consecutive ports, each free for UDP and TCP (baresip binds SIP/TLS on port+1).
uint16_t free_port_block(int count);

}  // namespace testsupport
