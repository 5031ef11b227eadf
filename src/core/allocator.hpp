// glibc malloc tuning for a process whose media threads come and go with calls.
//
// Every GStreamer streaming thread of a call gets a malloc arena of its own (up to 8 per core),
// and glibc keeps an arena's freed memory: measured here, the gateway's RSS grew by ~30 MB per
// meeting call (116 MB → 362 MB over 10 calls) with nothing leaked, and stayed at ~130–165 MB
// with 2 arenas. So the arena count is capped at start and freed memory is handed back to the
// system when a call ends.
#pragma once

namespace core {

// Call first thing in main(), before any thread exists; MALLOC_ARENA_MAX in the environment
// takes precedence.
void limit_malloc_arenas(int arenas);
// Returns free heap memory to the system (malloc_trim); cheap enough once per ended call.
void release_free_memory();

}  // namespace core
