// Owning handles for libre objects: libre reference-counts everything it allocates with
// mem_alloc, and mem_deref drops one reference.
#pragma once

#include "core/libre.hpp"

#include <memory>

namespace core {

struct MemDeref {
    void operator()(void* p) const noexcept { mem_deref(p); }
};

// Holds one libre reference and drops it on destruction.
template <class T>
using ReHandle = std::unique_ptr<T, MemDeref>;

// Adopt a pointer that a libre *_alloc() filled in.
template <class T>
ReHandle<T> adopt(T* raw) noexcept {
    return ReHandle<T>(raw);
}

}  // namespace core
