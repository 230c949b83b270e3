#pragma once
// The hardware the converted guest gets, decided in one place: the domain
// XML is rendered from it and the verification boot is built from it, so
// the boot tests exactly what gets published (bus, NIC model, MAC, firmware).
#include <vector>

#include "engine/guest/guest_fix.hpp"
#include "engine/inputs/source_vm.hpp"
#include "engine/output/domain_xml.hpp"
#include "engine/pipeline/convert.hpp"

namespace h2k {

// Firmware: the source's, else what inspection found (an ESP with a
// bootloader), else BIOS. Disks in `disks` order (boot order), on the bus
// the guest fix chose; one NIC per source NIC with the chosen model.
DomainSpec domain_spec_for(const SourceVm& vm, const GuestFixReport& guest, const std::vector<OutputDisk>& disks);

}  // namespace h2k
