#pragma once
// Reads the BlockDeviceTable from a launched appliance: every disk,
// partition, LVM volume and md array with its identities.
#include "engine/guest/block_devices.hpp"
#include "engine/guest/guestfs_session.hpp"

namespace h2k {

BlockDeviceTable scan_block_devices(GuestfsSession& session);

}  // namespace h2k
