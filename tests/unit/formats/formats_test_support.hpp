#pragma once
// Helpers shared by the formats tests: the common ones (scratch folder, real
// qemu-img runs, error assertion) under their formats names, and image edits.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/error.hpp"
#include "engine/core/subprocess.hpp"
#include "engine/formats/disk_format.hpp"
#include "engine/formats/vmdk.hpp"
#include "tests/unit/support/test_support.hpp"

namespace h2k {
// Lets BOOST_TEST print kinds in failure messages.
inline std::ostream& operator<<(std::ostream& os, FileKind k) { return os << to_string(k); }
inline std::ostream& operator<<(std::ostream& os, VmdkAccess k) { return os << to_string(k); }
inline std::ostream& operator<<(std::ostream& os, VmdkExtentType k) { return os << to_string(k); }
}  // namespace h2k

namespace h2k::formats_test {

namespace fs = std::filesystem;

// ScratchDir, run_ok, qemu_create, qemu_info, expect_error...: tests/unit/support/test_support.hpp.
using namespace test;
inline void write_bytes(const fs::path& path, const std::string& bytes) { write_file(path, bytes); }
inline std::string read_bytes(const fs::path& path) { return read_file(path); }

inline std::uint64_t qemu_virtual_size(const fs::path& path, const std::string& fmt) {
  return qemu_info(path, fmt).at("virtual-size").get<std::uint64_t>();
}

// Copies the first `n` bytes of `from` into `to` (a truncated image).
inline void truncated_copy(const fs::path& from, const fs::path& to, std::size_t n) {
  write_bytes(to, read_bytes(from).substr(0, n));
}

}  // namespace h2k::formats_test
