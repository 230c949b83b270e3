#include "engine/inputs/disk_order.hpp"

#include <tuple>

namespace h2k {

int controller_rank(std::string_view controller) {
  if (controller == "ide") return 0;
  if (controller == "sata") return 1;
  if (controller == "scsi") return 2;
  if (controller == "nvme") return 3;
  return 4;
}

bool default_boot_before(const DiskSlot& a, const DiskSlot& b) {
  return std::make_tuple(controller_rank(a.controller), a.bus, a.unit) <
         std::make_tuple(controller_rank(b.controller), b.bus, b.unit);
}

}  // namespace h2k
