#include "engine/guest/linux/module_names.hpp"

#include <algorithm>

namespace h2k::linux_guest::detail {

std::string module_key(std::string_view name) {
  std::string key(name);
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

std::vector<std::string> missing_modules(const std::vector<std::string>& present,
                                         const std::vector<std::string>& wanted) {
  std::vector<std::string> seen;
  for (const auto& p : present) seen.push_back(module_key(p));
  std::vector<std::string> missing;
  for (const auto& w : wanted) {
    std::string key = module_key(w);
    if (key.empty() || std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    missing.push_back(w);
  }
  return missing;
}

}  // namespace h2k::linux_guest::detail
