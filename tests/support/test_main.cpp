// The main of the test binaries that need no set-up of their own (unit_tests, media_tests):
// gtest's plus the crash report.
#include "support/crash_handler.hpp"

#include <gtest/gtest.h>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    testsupport::install_crash_handler();
    return RUN_ALL_TESTS();
}
