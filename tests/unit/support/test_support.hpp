#pragma once
// Helpers every unit-test area uses: a scratch folder removed afterwards,
// running host tools (qemu-img, sha256sum, hivex...) that must succeed, real
// images made with qemu-img, whole-file reads and writes, file hashes, test
// data under tests/data/<area>/, and the check that a ConversionError names
// the file and the reason. Area headers (tests/unit/<area>/*_support.hpp)
// include this one and add only what their area needs.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/unit/support/test_paths.hpp"
#include "engine/core/error.hpp"
#include "engine/core/subprocess.hpp"

namespace h2k::test {

// A new empty folder <tmp>/h2k-<tag>-XXXXXX (mkdtemp: unique, mode 0700),
// removed with everything in it when the test ends. The unique name also lets
// `pgrep -f <file in it>` find only processes of this test.
class ScratchDir {
public:
  explicit ScratchDir(const std::string& tag = "test") {
    std::string pattern = (std::filesystem::temp_directory_path() / ("h2k-" + tag + "-XXXXXX")).string();
    char* made = ::mkdtemp(pattern.data());
    BOOST_TEST_REQUIRE(made != nullptr, "cannot create a scratch folder " << pattern);
    path_ = made;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

// Runs a host command and returns its result whatever the exit status
// (no timeout unless one is given).
inline SubprocessResult run_capture(const std::vector<std::string>& argv,
                                    std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
  SubprocessOptions options;
  options.timeout = timeout;
  return run_subprocess(argv, options);
}

// Runs a host command that must succeed; fails the test (with the command
// line, exit status and stderr) if it does not. Returns its stdout.
inline std::string run_ok(const std::vector<std::string>& argv,
                          std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
  SubprocessResult r = run_capture(argv, timeout);
  std::string cmd;
  for (const auto& a : argv) cmd += a + " ";
  BOOST_TEST_REQUIRE(r.ok(), "command failed (exit " << r.exit_code << "): " << cmd << "\n" << r.err);
  return r.out;
}

// `qemu-img create -f <fmt> [-o opts] path size`.
inline void qemu_create(const std::filesystem::path& path, const std::string& fmt, const std::string& size,
                        const std::string& options = "") {
  std::vector<std::string> argv{"qemu-img", "create", "-q", "-f", fmt};
  if (!options.empty()) argv.insert(argv.end(), {"-o", options});
  argv.insert(argv.end(), {path.string(), size});
  run_ok(argv);
}

// `qemu-img info --output=json -f <fmt> path`.
inline nlohmann::json qemu_info(const std::filesystem::path& path, const std::string& fmt) {
  return nlohmann::json::parse(run_ok({"qemu-img", "info", "--output=json", "-f", fmt, path.string()}));
}

// Writes `content` as the whole file (creating its folder); fails the test
// if it cannot.
inline void write_file(const std::filesystem::path& path, const std::string& content) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  BOOST_TEST_REQUIRE(out.good(), "cannot write " << path);
}

// The whole file's bytes; empty when it cannot be read.
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Hex sha256 of a file, by `sha256sum` (independent of our own code).
inline std::string sha256_file(const std::filesystem::path& path) {
  std::string out = run_ok({"sha256sum", "-b", path.string()});
  return out.substr(0, out.find(' '));
}

// tests/data/<area>: the real-world files a test area reads.
inline std::filesystem::path data_dir(const std::string& area) {
  return std::filesystem::path(H2K_SOURCE_DIR) / "tests" / "data" / area;
}

// Runs `fn`, requires a ConversionError of `kind` whose file mentions
// `file_part` and whose reason mentions `reason_part`; returns the message.
inline std::string expect_error(const std::function<void()>& fn, ErrorKind kind, const std::string& file_part,
                                const std::string& reason_part) {
  try {
    fn();
  } catch (const ConversionError& e) {
    BOOST_TEST(e.kind() == kind, "kind of: " << e.what());
    BOOST_TEST(e.file().find(file_part) != std::string::npos, "file '" << e.file() << "' lacks '" << file_part << "'");
    BOOST_TEST(e.reason().find(reason_part) != std::string::npos,
               "reason '" << e.reason() << "' lacks '" << reason_part << "'");
    BOOST_TEST_MESSAGE("error as expected: " << e.what());
    return e.what();
  }
  BOOST_FAIL("expected a ConversionError (" << to_string(kind) << ") mentioning '" << reason_part << "'");
  return {};
}

}  // namespace h2k::test
