#pragma once
// Kernel module names as modprobe compares them: '-' and '_' are the same.
#include <string>
#include <string_view>
#include <vector>

namespace h2k::linux_guest::detail {

std::string module_key(std::string_view name);
// `wanted` minus what `present` already names (and minus repeats in `wanted`), in order.
std::vector<std::string> missing_modules(const std::vector<std::string>& present,
                                         const std::vector<std::string>& wanted);

}  // namespace h2k::linux_guest::detail
