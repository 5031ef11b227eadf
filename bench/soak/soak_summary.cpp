#include "soak_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

namespace bench {

namespace {

struct Resource {
    const char* name;
    const char* unit;
    // Growth over the whole measured series that still counts as flat: memory moves with the
    // allocator's bookkeeping and GStreamer's caches; a count must not move at all.
    double tolerance;
    std::function<double(const ResourceSample&)> value;
};

const std::vector<Resource>& resources() {
    static const std::vector<Resource> list = {
        {"rss_mib", "MiB", 4.0, [](const ResourceSample& s) { return s.rss_mib; }},
        {"pss_mib", "MiB", 4.0, [](const ResourceSample& s) { return s.pss_mib; }},
        {"anon_mib", "MiB", 4.0, [](const ResourceSample& s) { return s.anon_mib; }},
        {"fds", "fds", 0.5, [](const ResourceSample& s) { return double(s.fds); }},
        {"threads", "threads", 0.5, [](const ResourceSample& s) { return double(s.threads); }},
        {"children", "processes", 0.5, [](const ResourceSample& s) { return double(s.children); }},
    };
    return list;
}

// Least-squares slope of y over x.
double slope(const std::vector<double>& x, const std::vector<double>& y) {
    const auto n = static_cast<double>(x.size());
    if (x.size() < 2) return 0;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sx += x[i];
        sy += y[i];
        sxx += x[i] * x[i];
        sxy += x[i] * y[i];
    }
    const double den = n * sxx - sx * sx;
    return den == 0 ? 0 : (n * sxy - sx * sy) / den;
}

}  // namespace

nlohmann::json summarize(const std::vector<ResourceSample>& samples, std::size_t warmup) {
    nlohmann::json out;
    out["calls"] = samples.size();
    out["warmup_calls"] = std::min(warmup, samples.size());
    if (samples.size() <= warmup + 1) {
        out["note"] = "too few calls after the warm-up for a slope";
        return out;
    }
    const std::vector<ResourceSample> measured(samples.begin() + static_cast<long>(warmup),
                                               samples.end());
    std::vector<double> x;
    x.reserve(measured.size());
    for (const auto& s : measured) x.push_back(static_cast<double>(s.call));
    const double span = x.back() - x.front();
    for (const auto& r : resources()) {
        std::vector<double> y;
        y.reserve(measured.size());
        for (const auto& s : measured) y.push_back(r.value(s));
        const double per_call = slope(x, y);
        const double growth = per_call * span;
        // What a leak does and a swing does not: raise the floor. The lowest value of the last
        // quarter of the calls against the lowest of the first quarter.
        const std::size_t quarter = std::max<std::size_t>(1, y.size() / 4);
        const double floor_rise =
            *std::min_element(y.end() - static_cast<long>(quarter), y.end()) -
            *std::min_element(y.begin(), y.begin() + static_cast<long>(quarter));
        nlohmann::json j;
        j["first"] = y.front();
        j["last"] = y.back();
        j["max"] = *std::max_element(y.begin(), y.end());
        // A series that swings (allocator retention) can end where it began: the slope alone
        // would call it flat.
        j["max_above_first"] = j["max"].get<double>() - y.front();
        j["slope_per_call"] = per_call;
        j["growth_over_measured_calls"] = growth;
        j["floor_rise"] = floor_rise;
        j["tolerance"] = r.tolerance;
        if (growth > r.tolerance && floor_rise > r.tolerance) {
            j["verdict"] = std::string(r.unit) == "MiB"
                               ? fmt::format("grows {:.3f} MiB per call", per_call)
                               : fmt::format("grows {:.3f} {} per call", per_call, r.unit);
        } else {
            j["verdict"] = "flat";
        }
        out[r.name] = j;
    }
    return out;
}

}  // namespace bench
