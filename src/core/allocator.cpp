#include "core/allocator.hpp"

#include <malloc.h>

#include <cstdlib>
#include <string_view>

namespace core {

void limit_malloc_arenas(int arenas) {
    // An operator's MALLOC_ARENA_MAX wins.
    if (arenas > 0 && std::getenv("MALLOC_ARENA_MAX") == nullptr)
        (void)::mallopt(M_ARENA_MAX, arenas);
}

void fix_mmap_threshold(std::size_t bytes) {
    // An operator's setting wins.
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr ||
        (tunables != nullptr &&
         std::string_view(tunables).find("mmap_threshold") != std::string_view::npos))
        return;
    // Setting it at all turns glibc's dynamic adjustment off.
    if (bytes > 0) (void)::mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes));
}

void release_free_memory() {
    (void)::malloc_trim(0);
}

}  // namespace core
