#pragma once
// Fixed-width integer reads from a byte buffer. Disk headers mix byte orders
// (VMDK, VHDX: little-endian; VHD, qcow2: big-endian), so every read says which.
// Reads past the end throw std::out_of_range: parsers must check sizes first,
// and the fuzzers treat an escaping out_of_range as a bug.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace h2k::bytes {

inline void require(std::string_view buf, std::size_t offset, std::size_t width) {
  if (offset > buf.size() || buf.size() - offset < width)
    throw std::out_of_range("read past end of buffer");
}

template <typename T>
T read_le(std::string_view buf, std::size_t offset) {
  require(buf, offset, sizeof(T));
  T value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i)
    value |= static_cast<T>(static_cast<T>(static_cast<unsigned char>(buf[offset + i])) << (8 * i));
  return value;
}

template <typename T>
T read_be(std::string_view buf, std::size_t offset) {
  require(buf, offset, sizeof(T));
  T value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i)
    value = static_cast<T>((value << 8) | static_cast<unsigned char>(buf[offset + i]));
  return value;
}

inline std::uint16_t le16(std::string_view b, std::size_t o) { return read_le<std::uint16_t>(b, o); }
inline std::uint32_t le32(std::string_view b, std::size_t o) { return read_le<std::uint32_t>(b, o); }
inline std::uint64_t le64(std::string_view b, std::size_t o) { return read_le<std::uint64_t>(b, o); }
inline std::uint16_t be16(std::string_view b, std::size_t o) { return read_be<std::uint16_t>(b, o); }
inline std::uint32_t be32(std::string_view b, std::size_t o) { return read_be<std::uint32_t>(b, o); }
inline std::uint64_t be64(std::string_view b, std::size_t o) { return read_be<std::uint64_t>(b, o); }

// True when `buf` holds `magic` at `offset` (false when too short).
inline bool has_magic(std::string_view buf, std::size_t offset, std::string_view magic) {
  return offset <= buf.size() && buf.size() - offset >= magic.size() &&
         buf.substr(offset, magic.size()) == magic;
}

}  // namespace h2k::bytes
