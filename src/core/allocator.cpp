#include "core/allocator.hpp"

#include <malloc.h>

#include <cstdlib>

namespace core {

void limit_malloc_arenas(int arenas) {
    // An operator's MALLOC_ARENA_MAX wins.
    if (arenas > 0 && std::getenv("MALLOC_ARENA_MAX") == nullptr)
        (void)::mallopt(M_ARENA_MAX, arenas);
}

void release_free_memory() {
    (void)::malloc_trim(0);
}

}  // namespace core
