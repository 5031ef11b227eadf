// docs/configuration.md is the one place every key is documented (Kamailio-style): this test
// keeps it and the loader in step, both ways.
#include "core/config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace {

std::set<std::string> documented_keys() {
    std::ifstream in(std::string(SIPMEDIAGW_SOURCE_DIR) + "/docs/configuration.md");
    std::set<std::string> keys;
    std::string line;
    std::string section;
    const std::regex heading(R"(^## \[\[?([a-z_]+)\]\]?)");  // [section] or [[array]]
    const std::regex row(R"(^\| `([a-z_0-9]+)` \|)");
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_search(line, m, heading)) {
            section = m[1];
        } else if (!section.empty() && std::regex_search(line, m, row)) {
            keys.insert(section + "." + m[1].str());
        }
    }
    return keys;
}

TEST(ConfigDocs, EveryKeyTheLoaderReadsIsDocumented) {
    const auto documented = documented_keys();
    ASSERT_FALSE(documented.empty()) << "docs/configuration.md not found or has no key tables";
    for (const auto& key : core::config_keys()) {
        EXPECT_TRUE(documented.contains(key)) << key << " is read but not in docs/configuration.md";
    }
}

TEST(ConfigDocs, EveryDocumentedKeyIsAccepted) {
    const auto known = core::config_keys();
    const std::set<std::string> known_set(known.begin(), known.end());
    for (const auto& key : documented_keys()) {
        EXPECT_TRUE(known_set.contains(key)) << key << " is documented but the loader rejects it";
    }
}

}  // namespace
