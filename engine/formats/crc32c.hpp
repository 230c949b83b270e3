#pragma once
// CRC-32C (Castagnoli), the checksum VHDX puts on its headers, region tables
// and log entries. Written here rather than pulled from a library: it is ten
// lines and keeps the formats library dependency-free.
#include <cstdint>
#include <string_view>

namespace h2k {

// CRC-32C of `data` (initial value and final XOR 0xFFFFFFFF, reflected).
// crc32c("123456789") == 0xE3069283.
std::uint32_t crc32c(std::string_view data);

}  // namespace h2k
