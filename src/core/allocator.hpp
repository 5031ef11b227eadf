// glibc malloc tuning for a process whose media threads come and go with calls.
//
// Every GStreamer streaming thread of a call gets a malloc arena of its own (up to 8 per core),
// and glibc keeps an arena's freed memory: measured here, the gateway's RSS grew by ~30 MB per
// meeting call (116 MB → 362 MB over 10 calls) with nothing leaked, and stayed at ~130–165 MB
// with 2 arenas. So the arena count is capped at start and freed memory is handed back to the
// system when a call ends.
//
// The rest of that creep came from glibc's dynamic mmap threshold: the first video frame freed
// (a 352x288 I420 frame is 148 KiB, 720p 1.3 MiB) raises the threshold to its size, so every
// later frame, encoder and decoder buffer is carved from the arenas, where a few live blocks
// pin the pages around them (malloc_trim cannot return them). Measured with bench/soak (12
// transcoded meeting calls): RSS 74 → 108 MiB with peaks at 173 MiB, against 69.0 → 69.9 MiB
// with the threshold fixed at 128 KiB, which keeps large blocks in their own mappings,
// returned to the system on free.
#pragma once

#include <cstddef>

namespace core {

// Call first thing in main(), before any thread exists; MALLOC_ARENA_MAX in the environment
// takes precedence.
void limit_malloc_arenas(int arenas);
// Blocks of `bytes` or more always get a mapping of their own (no dynamic threshold); call with
// limit_malloc_arenas. MALLOC_MMAP_THRESHOLD_ or a GLIBC_TUNABLES mmap_threshold in the
// environment takes precedence.
void fix_mmap_threshold(std::size_t bytes);
inline constexpr std::size_t kMmapThresholdBytes =
    std::size_t{128} * 1024;  // glibc's initial value
// Returns free heap memory to the system (malloc_trim); cheap enough once per ended call.
void release_free_memory();

}  // namespace core
