#pragma once

#include <string_view>

namespace gateway {

std::string_view version();

}  // namespace gateway
