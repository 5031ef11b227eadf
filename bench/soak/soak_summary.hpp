// The soak bench's verdict on a series of samples: after the warm-up calls, the least-squares
// slope per call of each resource, its first, last and largest value, and "flat" or
// "grows X per call": the slope's growth over the measured calls and the rise of the floor
// (lowest value of the last quarter against the first quarter) both beyond a tolerance per
// resource, so that a series which swings is not taken for one that grows.
#pragma once

#include "resource_sample.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace bench {

nlohmann::json summarize(const std::vector<ResourceSample>& samples, std::size_t warmup);

}  // namespace bench
