// Owning handles for GLib/GStreamer references, so every ref taken is dropped exactly once.
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include <memory>

namespace media {

struct GObjectUnref {
    void operator()(gpointer p) const noexcept {
        if (p != nullptr) g_object_unref(p);
    }
};
struct GstObjectUnref {
    void operator()(gpointer p) const noexcept {
        if (p != nullptr) gst_object_unref(p);
    }
};
struct GstMiniObjectUnref {
    void operator()(gpointer p) const noexcept {
        if (p != nullptr) gst_mini_object_unref(GST_MINI_OBJECT_CAST(p));
    }
};

template <class T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;
template <class T>
using GstPtr = std::unique_ptr<T, GstObjectUnref>;
using CapsPtr = std::unique_ptr<GstCaps, GstMiniObjectUnref>;
using BufferPtr = std::unique_ptr<GstBuffer, GstMiniObjectUnref>;

}  // namespace media
