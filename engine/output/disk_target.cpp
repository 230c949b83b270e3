#include "engine/output/disk_target.hpp"

#include <algorithm>

namespace h2k {

std::string disk_target_name(const std::string& bus, int index) {
  // Bijective base 26, the kernel's sd_format_disk_name scheme.
  std::string letters;
  for (int n = index + 1; n > 0; n = (n - 1) / 26) letters.push_back(static_cast<char>('a' + (n - 1) % 26));
  std::reverse(letters.begin(), letters.end());
  return (bus == "virtio" ? "vd" : "sd") + letters;
}

}  // namespace h2k
