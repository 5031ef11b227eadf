// How a far end (far_end.cpp, and the SDES and DTLS tests' own) builds its pipeline: a
// description that does not parse is an error its start() reports.
#pragma once

#include "core/result.hpp"
#include "support/test_pipeline.hpp"

#include <gst/gst.h>

#include <string>

namespace media_test {

// The parser's message when it fails (a warning it may set beside a pipeline is dropped).
inline core::Result<testsupport::Pipeline> parse_pipeline(const std::string& description) {
    GError* err = nullptr;
    GstElement* p = gst_parse_launch(description.c_str(), &err);
    if (p == nullptr) {
        core::Error e{err ? err->message : "?"};
        g_clear_error(&err);
        return e;
    }
    g_clear_error(&err);
    return testsupport::Pipeline(p);
}

}  // namespace media_test
