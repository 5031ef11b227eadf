// A gst-launch pipeline owned by a test: stopped and released with its scope; a description
// that does not parse is a test failure that names it.
#pragma once

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace testsupport {

struct PipelineDeleter {
    void operator()(GstElement* p) const {
        gst_element_set_state(p, GST_STATE_NULL);
        gst_object_unref(p);
    }
};
using Pipeline = std::unique_ptr<GstElement, PipelineDeleter>;

inline Pipeline launch(const std::string& description) {
    GError* err = nullptr;
    GstElement* p = gst_parse_launch(description.c_str(), &err);
    EXPECT_EQ(err, nullptr) << description << ": " << (err ? err->message : "");
    g_clear_error(&err);
    return Pipeline(p);
}

}  // namespace testsupport
