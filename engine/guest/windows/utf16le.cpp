#include "engine/guest/windows/utf16le.hpp"

#include <cstdint>
#include <stdexcept>

namespace h2k::windows {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

void append_unit(std::string& out, std::uint16_t unit) {
  out.push_back(char(unit & 0xFF));
  out.push_back(char(unit >> 8));
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

// Reads one code point starting at utf8[i]; advances i.
char32_t next_code_point(std::string_view utf8, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(utf8[k]); };
  const unsigned char lead = byte(i);
  int extra = 0;
  char32_t cp = 0;
  if (lead < 0x80) { ++i; return lead; }
  if ((lead & 0xE0) == 0xC0) { extra = 1; cp = lead & 0x1F; }
  else if ((lead & 0xF0) == 0xE0) { extra = 2; cp = lead & 0x0F; }
  else if ((lead & 0xF8) == 0xF0) { extra = 3; cp = lead & 0x07; }
  else throw std::invalid_argument("invalid UTF-8 lead byte at offset " + std::to_string(i));
  if (i + extra >= utf8.size())
    throw std::invalid_argument("truncated UTF-8 sequence at offset " + std::to_string(i));
  for (int k = 1; k <= extra; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80)
      throw std::invalid_argument("invalid UTF-8 continuation byte at offset " + std::to_string(i + k));
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr char32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    throw std::invalid_argument("invalid UTF-8 code point at offset " + std::to_string(i));
  i += extra + 1;
  return cp;
}

}  // namespace

std::string utf8_to_utf16le(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() * 2);
  for (std::size_t i = 0; i < utf8.size();) {
    char32_t cp = next_code_point(utf8, i);
    if (cp < 0x10000) {
      append_unit(out, std::uint16_t(cp));
    } else {
      cp -= 0x10000;
      append_unit(out, std::uint16_t(0xD800 | (cp >> 10)));
      append_unit(out, std::uint16_t(0xDC00 | (cp & 0x3FF)));
    }
  }
  return out;
}

std::string utf16le_to_utf8(std::string_view utf16le) {
  std::string out;
  const std::size_t units = utf16le.size() / 2;
  auto unit_at = [&](std::size_t k) {
    return std::uint16_t(static_cast<unsigned char>(utf16le[2 * k]) |
                         (static_cast<unsigned char>(utf16le[2 * k + 1]) << 8));
  };
  for (std::size_t k = 0; k < units; ++k) {
    const std::uint16_t u = unit_at(k);
    if (u == 0) return out;
    if (u >= 0xD800 && u <= 0xDBFF && k + 1 < units) {
      const std::uint16_t low = unit_at(k + 1);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((char32_t(u) - 0xD800) << 10) + (low - 0xDC00));
        ++k;
        continue;
      }
    }
    append_utf8(out, (u >= 0xD800 && u <= 0xDFFF) ? kReplacement : char32_t(u));
  }
  if (utf16le.size() % 2 != 0) append_utf8(out, kReplacement);
  return out;
}

}  // namespace h2k::windows
