#pragma once
// MAC addresses arrive as "00:50:56:AA:BB:CC" (VMware), "00-15-5D-01-02-03"
// or "00155D010203" (Hyper-V, VirtualBox). libvirt wants one spelling.
#include <optional>
#include <string>
#include <string_view>

namespace h2k {

// Lower-case colon form ("00:50:56:aa:bb:cc"), or nullopt when `text` is not
// 12 hex digits with optional ':' / '-' / '.' separators.
std::optional<std::string> normalise_mac(std::string_view text);

}  // namespace h2k
