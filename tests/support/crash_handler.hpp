// A crash in a test binary must say where it happened: without this a SIGSEGV leaves CTest only
// "SEGFAULT" and the lines gtest had printed. Every test main calls install_crash_handler() after
// InitGoogleTest; the signal handler itself is installed before any initialiser of the process
// runs, so a crash while the binary starts (before gtest's first line) is reported too.
#pragma once

namespace testsupport {

// On SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT: writes to stderr the signal, the running test,
// the crashing thread and its backtrace (raw frames as module+offset, then file:line from
// addr2line when it is installed), then dies of the same signal so CTest still reports it.
// Also makes stdout line buffered so gtest's log up to the crash is not lost in a pipe buffer.
void install_crash_handler();

}  // namespace testsupport
