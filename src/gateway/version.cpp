#include "gateway/version.hpp"

namespace gateway {

std::string_view version() {
    return SIPMEDIAGW_VERSION_STRING;
}

}  // namespace gateway
