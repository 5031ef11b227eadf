// What an installed gateway must do however it was installed (issue 11): answer `sip:0@` with
// its prompts and join the demo meeting, with every Chromium renderer sandboxed. Shared by the
// install-tree test (a prefix run as `nobody`) and the container image test (the image run by
// podman, scripts/image-test.sh), which differ only in how they start `sipmediagw demo`.
#pragma once

#include "meeting_fixture.hpp"

#include <string>

namespace e2e {

// The contents of /proc/<pid>/<name>; empty when the process is gone.
std::string proc_file(pid_t pid, const char* name);

// Chromium's sandbox, seen from outside: every renderer of every browser the gateway's log names
// runs under seccomp-bpf (Seccomp: 2) in a user namespace other than its browser's. Empty when
// all of them do and there is at least one; else what is not. Needs the log's pids to be pids
// of this process's PID namespace.
std::string unsandboxed_renderers(const std::string& log);

std::string regex_escape(const std::string& s);

class InstalledGatewayFixture : public MeetingFixture {
protected:
    // sip:0@ hears the installed prompt; sip:1234@ joins the demo meeting with media both ways,
    // its browsers sandboxed; then SIGTERM stops the gateway (exit 0) with no browser left.
    void answers_ivr_and_joins_sandboxed(DemoGateway& gw, const std::filesystem::path& dir);
};

}  // namespace e2e
