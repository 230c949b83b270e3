#pragma once
// Helpers for the copy tests: a scratch folder, real images made with
// qemu-img/qemu-io, file fingerprints (to prove sources are untouched) and a
// progress recorder with the checks every successful copy must pass.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/copy/disk_copier.hpp"
#include "engine/core/error.hpp"
#include "engine/core/subprocess.hpp"
#include "tests/unit/support/test_support.hpp"

namespace h2k {
inline std::ostream& operator<<(std::ostream& os, OutputFormat f) { return os << to_string(f); }
}  // namespace h2k

namespace h2k::copy_test {

namespace fs = std::filesystem;
constexpr std::uint64_t MiB = 1024 * 1024;

// ScratchDir, run_ok, expect_error, sha256_file...: tests/unit/support/test_support.hpp.
using namespace test;
inline std::string read_bytes(const fs::path& path) { return read_file(path); }

// A raw disk of `size` bytes holding `writes` (qemu-io commands such as
// "write -P 0x11 0 1M"); everything else is a hole.
inline void make_raw(const fs::path& path, const std::string& size, const std::vector<std::string>& writes) {
  qemu_create(path, "raw", size);
  std::vector<std::string> argv{"qemu-io", "-f", "raw"};
  for (const auto& w : writes) argv.insert(argv.end(), {"-c", w});
  argv.push_back(path.string());
  if (!writes.empty()) run_ok(argv);
}

// The standard test disk: 64 MiB, data at the start, at an offset that is
// not cluster-aligned, in the middle and in the last 4 KiB; the rest empty.
inline constexpr std::uint64_t kDiskSize = 64 * MiB;
inline constexpr std::uint64_t kDiskData = 1 * MiB + 64 * 1024 + 2 * MiB + 4096;
inline void make_patterned_raw(const fs::path& path) {
  make_raw(path, "64M",
           {"write -P 0x11 0 1M", "write -P 0x22 5243392 64k", "write -P 0x33 33M 2M",
            "write -P 0x44 67104768 4k"});
}

// `qemu-img convert -O <fmt> [-o opts] raw out`.
inline void convert_to(const fs::path& raw, const fs::path& out, const std::string& fmt,
                       const std::string& options = "") {
  std::vector<std::string> argv{"qemu-img", "convert", "-f", "raw", "-O", fmt};
  if (!options.empty()) argv.insert(argv.end(), {"-o", options});
  argv.insert(argv.end(), {raw.string(), out.string()});
  run_ok(argv);
}

// True when `qemu-img compare` says the guest-visible contents are identical.
inline bool images_identical(const fs::path& a, const std::string& fmt_a, const fs::path& b,
                             const std::string& fmt_b) {
  auto r = run_capture({"qemu-img", "compare", "-f", fmt_a, "-F", fmt_b, a.string(), b.string()});
  BOOST_TEST_MESSAGE("qemu-img compare " << a.filename() << " " << b.filename() << ": " << r.out << r.err);
  return r.exit_code == 0;
}

// sha256 and mtime: together they show a file was neither written nor touched.
struct Fingerprint {
  std::string sha256;
  fs::file_time_type mtime;
  bool operator==(const Fingerprint&) const = default;
};
inline std::ostream& operator<<(std::ostream& os, const Fingerprint& f) {
  return os << f.sha256 << "@" << f.mtime.time_since_epoch().count();
}
inline Fingerprint fingerprint(const fs::path& path) {
  return {sha256_file(path), fs::last_write_time(path)};
}

// Overwrites bytes in place (no truncation).
inline void patch_bytes(const fs::path& path, std::uint64_t offset, const std::string& bytes) {
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  BOOST_TEST_REQUIRE(f.good());
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BOOST_TEST_REQUIRE(f.good());
}

inline std::uint64_t be64_at(const std::string& b, std::size_t off) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(b.at(off + i));
  return v;
}
inline std::uint64_t le_at(const std::string& b, std::size_t off, int width) {
  std::uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b.at(off + i));
  return v;
}
inline std::string le32_bytes(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

inline SourceDisk whole_file_disk(const fs::path& file, FileKind kind, const std::string& display = "") {
  SourceDisk d;
  d.id = "disk1";
  d.display_path = display.empty() ? file.filename() : fs::path(display);
  d.format = kind;
  d.location.file = file;
  d.parts = {file};
  return d;
}

// Records every progress event of one copy.
struct ProgressLog {
  std::vector<ProgressEvent> events;
  ProgressSink sink() {
    return [this](const ProgressEvent& e) { events.push_back(e); };
  }
  // What a user watching the copy relies on: it starts at 0, ends at 100%
  // with every byte counted, and never goes backwards.
  void check_complete(std::uint64_t virtual_size, const std::string& item) const {
    BOOST_TEST_REQUIRE(events.size() >= 2u);
    BOOST_TEST(events.front().percent == 0.0);
    BOOST_TEST(events.back().percent == 100.0);
    BOOST_TEST(events.back().bytes_done == virtual_size);
    BOOST_TEST(events.back().eta_s == 0.0);
    for (std::size_t i = 0; i < events.size(); ++i) {
      BOOST_TEST(events[i].phase == "copy");
      BOOST_TEST(events[i].item == item);
      BOOST_TEST(events[i].bytes_total == virtual_size);
      if (i > 0) {
        BOOST_TEST(events[i].percent >= events[i - 1].percent, "event " << i << " went backwards");
        BOOST_TEST(events[i].bytes_done >= events[i - 1].bytes_done);
      }
    }
  }
};

}  // namespace h2k::copy_test
