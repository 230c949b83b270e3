#pragma once
// Guest device names for disks: vda, vdb, ... on virtio, sda, ... on SATA,
// continuing like the kernel (..., vdz, vdaa, vdab). Internal to engine/output.
#include <string>

namespace h2k {

// `index` counts disks on the same bus from 0.
std::string disk_target_name(const std::string& bus, int index);

}  // namespace h2k
