#include "private_network.hpp"
#include "support/crash_handler.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <iostream>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    testsupport::install_crash_handler();
    // Test discovery only lists names; it needs no network.
    bool listing = false;
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--gtest_list_tests") == 0) listing = true;
    if (!listing) {
        if (auto err = e2e::enter_private_network(); !err.empty()) {
            std::cerr << "e2e: " << err << "\n";
            return 1;
        }
    }
    return RUN_ALL_TESTS();
}
