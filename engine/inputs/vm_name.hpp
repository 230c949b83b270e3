#pragma once
// VM names become file and libvirt domain names, so they are limited to
// [A-Za-z0-9._-] and may not start with '.' or '-' (hidden files, options).
#include <string>
#include <string_view>

namespace h2k {

// The name with every other character replaced by '_'; "vm" when nothing usable is left.
std::string sanitise_vm_name(std::string_view name);

}  // namespace h2k
