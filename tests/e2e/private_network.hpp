// Moves the test process (and every program it starts afterwards) into a network namespace of
// its own, with loopback up and a veth pair va (10.200.0.1) / vb (10.200.0.2) and no route
// anywhere else, and no IPv6 on the veth pair (see the .cpp: address changes abort browsers'
// page loads). Janus refuses loopback for ICE, so meeting tests use va; nothing can reach, or
// be reached from, the host's real networks. The namespace disappears with the process.
#pragma once

#include <string>

namespace e2e {

inline constexpr const char* kMeetingAddress = "10.200.0.1";
inline constexpr const char* kMeetingInterface = "va";

// Returns an empty string on success, else what failed.
std::string enter_private_network();

}  // namespace e2e
