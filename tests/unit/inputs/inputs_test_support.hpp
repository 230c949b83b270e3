#pragma once
// Helpers for the inputs tests: a scratch folder, real qemu-img and tar runs,
// a tar header writer for archives `tar` refuses to make (hostile OVAs), and
// an assertion that an error names the file and the reason.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/error.hpp"
#include "engine/core/subprocess.hpp"
#include "engine/formats/disk_format.hpp"
#include "engine/inputs/source_vm.hpp"
#include "tests/unit/support/test_support.hpp"

namespace h2k {
inline std::ostream& operator<<(std::ostream& os, FileKind k) { return os << to_string(k); }
inline std::ostream& operator<<(std::ostream& os, Firmware f) { return os << to_string(f); }
}  // namespace h2k

namespace h2k::inputs_test {

namespace fs = std::filesystem;

// ScratchDir, run_ok, qemu_create, qemu_info, sha256_file, expect_error...:
// tests/unit/support/test_support.hpp.
using namespace test;
inline fs::path data_dir() { return test::data_dir("inputs"); }
inline void write_bytes(const fs::path& path, const std::string& bytes) { write_file(path, bytes); }
inline std::string read_bytes(const fs::path& path) { return read_file(path); }

inline std::string read_data(const std::string& rel) {
  std::string text = read_bytes(data_dir() / rel);
  BOOST_TEST_REQUIRE(!text.empty(), "missing test data " << rel);
  return text;
}

inline std::string read_slice(const fs::path& path, std::uint64_t offset, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string buf(n, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(n));
  buf.resize(static_cast<std::size_t>(in.gcount()));
  return buf;
}

// Names in a folder, to show that reading an OVA created nothing next to it.
inline std::set<std::string> listing(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

inline bool any_warning(const std::vector<std::string>& warnings, const std::string& part) {
  return std::any_of(warnings.begin(), warnings.end(),
                     [&](const std::string& w) { return w.find(part) != std::string::npos; });
}

// ---- hand-made tar archives -------------------------------------------------

struct TarMember {
  TarMember(std::string name_, std::string data_ = "", char type_ = '0', std::string linkname_ = "")
      : name(std::move(name_)), data(std::move(data_)), type(type_), linkname(std::move(linkname_)) {}
  std::string name;
  std::string data;
  char type = '0';
  std::string linkname;
  std::optional<std::string> size_field;      // raw 12-byte size field, overriding the real size
  bool corrupt_checksum = false;
  bool gnu_magic = false;                     // "ustar  \0" instead of "ustar\0" "00"
  std::string prefix;                         // ustar prefix field
};

inline void put_field(std::string& block, std::size_t off, std::size_t len, const std::string& value) {
  block.replace(off, std::min(len, value.size()), value.substr(0, len));
}

inline std::string octal(std::uint64_t value, std::size_t width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(value));
  return std::string(buf) + '\0';
}

inline std::string tar_header(const TarMember& m) {
  std::string block(512, '\0');
  put_field(block, 0, 100, m.name);
  put_field(block, 100, 8, octal(0644, 8));
  put_field(block, 108, 8, octal(1000, 8));
  put_field(block, 116, 8, octal(1000, 8));
  put_field(block, 124, 12, m.size_field.value_or(octal(m.data.size(), 12)));
  put_field(block, 136, 12, octal(1700000000, 12));
  block[156] = m.type;
  put_field(block, 157, 100, m.linkname);
  if (m.gnu_magic) put_field(block, 257, 8, std::string("ustar  \0", 8));
  else put_field(block, 257, 8, std::string("ustar\0" "00", 8));
  put_field(block, 265, 32, "builder");
  put_field(block, 297, 32, "builder");
  put_field(block, 345, 155, m.prefix);
  block.replace(148, 8, "        ");
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  if (m.corrupt_checksum) sum += 1;
  char chk[8];
  std::snprintf(chk, sizeof chk, "%06o", sum);
  block.replace(148, 8, std::string(chk, 6) + std::string("\0 ", 2));
  return block;
}

inline std::string tar_bytes(const std::vector<TarMember>& members, bool end_marker = true) {
  std::string out;
  for (const auto& m : members) {
    out += tar_header(m);
    out += m.data;
    out.append((512 - m.data.size() % 512) % 512, '\0');
  }
  if (end_marker) out.append(1024, '\0');
  return out;
}

// A pax extended header ('x') carrying `records` ("path", "../x" ...).
inline TarMember pax_member(const std::vector<std::pair<std::string, std::string>>& records) {
  std::string data;
  for (const auto& [k, v] : records) {
    std::string body = " " + k + "=" + v + "\n";
    std::size_t len = body.size() + 1;
    while (std::to_string(len).size() + body.size() != len) ++len;
    data += std::to_string(len) + body;
  }
  return TarMember{"PaxHeaders/x", data, 'x'};
}

inline TarMember gnu_long_name(const std::string& name) {
  TarMember m{"././@LongLink", name + '\0', 'L'};
  m.gnu_magic = true;
  return m;
}

// ---- OVF text edits -----------------------------------------------------------

// Sets ovf:size of the File whose href is `href` to `size` (the test images'
// real sizes differ from the ones in the vSphere-made descriptors).
inline std::string with_file_size(std::string ovf, const std::string& href, std::uint64_t size) {
  const std::size_t at = ovf.find("ovf:href=\"" + href + "\"");
  BOOST_TEST_REQUIRE(at != std::string::npos, "no File with href " << href);
  const std::size_t tag_end = ovf.find('>', at);
  const std::size_t value = ovf.find("ovf:size=\"", at);
  BOOST_TEST_REQUIRE((value != std::string::npos && value < tag_end), "no ovf:size for " << href);
  const std::size_t digits = value + 10;
  ovf.replace(digits, ovf.find('"', digits) - digits, std::to_string(size));
  return ovf;
}

}  // namespace h2k::inputs_test
