#pragma once
// Lowercase hex of a byte string (digests for manifests and checksums).
#include <cstddef>
#include <string>

namespace h2k {

inline std::string to_hex(const unsigned char* bytes, std::size_t len) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (std::size_t i = 0; i < len; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0xf];
  }
  return out;
}

}  // namespace h2k
