// Issue 13's targets read off one meeting_bench run: for each, the figure measured, the target,
// whether it is met and, from the same run's figures, what bounds it (bench/meeting/README.md,
// "Targets").
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace bench {

// `out` is the bench's whole result; targets whose figures the run did not measure (an --only
// run) are left out.
nlohmann::json targets(const nlohmann::json& out);

// One line per target for stderr: "core_720p30 0.55 (≤ 0.5: missed; bound: ...)".
std::vector<std::string> target_lines(const nlohmann::json& targets);

}  // namespace bench
