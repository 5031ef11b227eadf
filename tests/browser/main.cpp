// libre is initialised once for the whole test binary, as in the daemon.
#include "core/control_loop.hpp"
#include "core/log.hpp"
#include "support/crash_handler.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    testsupport::install_crash_handler();
    const char* level = std::getenv("SIPMEDIAGW_TEST_LOG");
    core::log_init(level != nullptr ? level : "warn");
    core::LibreRuntime libre;
    if (!libre.ok()) return 1;
    return RUN_ALL_TESTS();
}
