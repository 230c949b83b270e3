#pragma once
// Helpers shared by the formats tests: a scratch folder, real qemu-img runs,
// and an assertion that an error names the file and the reason.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

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

namespace h2k {
// Lets BOOST_TEST print kinds in failure messages.
inline std::ostream& operator<<(std::ostream& os, FileKind k) { return os << to_string(k); }
inline std::ostream& operator<<(std::ostream& os, VmdkAccess k) { return os << to_string(k); }
inline std::ostream& operator<<(std::ostream& os, VmdkExtentType k) { return os << to_string(k); }
}  // namespace h2k

namespace h2k::formats_test {

namespace fs = std::filesystem;

class ScratchDir {
public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "h2k-formats-XXXXXX").string();
    char* made = ::mkdtemp(pattern.data());
    BOOST_TEST_REQUIRE(made != nullptr);
    path_ = made;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  fs::path operator/(const std::string& name) const { return path_ / name; }
  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

inline std::string run_ok(const std::vector<std::string>& argv) {
  SubprocessResult r = run_subprocess(argv);
  std::string cmd;
  for (const auto& a : argv) cmd += a + " ";
  BOOST_TEST_REQUIRE(r.ok(), "command failed: " << cmd << "\n" << r.err);
  return r.out;
}

// `qemu-img create -f <fmt> [-o opts] path size`.
inline void qemu_create(const fs::path& path, const std::string& fmt, const std::string& size,
                        const std::string& options = "") {
  std::vector<std::string> argv{"qemu-img", "create", "-q", "-f", fmt};
  if (!options.empty()) argv.insert(argv.end(), {"-o", options});
  argv.insert(argv.end(), {path.string(), size});
  run_ok(argv);
}

inline nlohmann::json qemu_info(const fs::path& path, const std::string& fmt) {
  return nlohmann::json::parse(run_ok({"qemu-img", "info", "--output=json", "-f", fmt, path.string()}));
}

inline std::uint64_t qemu_virtual_size(const fs::path& path, const std::string& fmt) {
  return qemu_info(path, fmt).at("virtual-size").get<std::uint64_t>();
}

inline void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BOOST_TEST_REQUIRE(out.good());
}

inline std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Copies the first `n` bytes of `from` into `to` (a truncated image).
inline void truncated_copy(const fs::path& from, const fs::path& to, std::size_t n) {
  write_bytes(to, read_bytes(from).substr(0, n));
}

// Runs `fn`, requires a ConversionError of `kind` whose file mentions
// `file_part` and whose reason mentions `reason_part`; returns the message.
inline std::string expect_error(const std::function<void()>& fn, ErrorKind kind, const std::string& file_part,
                                const std::string& reason_part) {
  try {
    fn();
  } catch (const ConversionError& e) {
    BOOST_TEST(to_string(e.kind()) == to_string(kind), "kind of: " << e.what());
    BOOST_TEST(e.file().find(file_part) != std::string::npos, "file '" << e.file() << "' lacks '" << file_part << "'");
    BOOST_TEST(e.reason().find(reason_part) != std::string::npos,
               "reason '" << e.reason() << "' lacks '" << reason_part << "'");
    return e.what();
  }
  BOOST_FAIL("expected a ConversionError mentioning '" << reason_part << "'");
  return {};
}

}  // namespace h2k::formats_test
