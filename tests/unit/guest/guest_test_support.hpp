#pragma once
// Helpers for the guest tests: scratch folders, running host tools, and
// finding qemu processes that still use a test disk.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "engine/core/subprocess.hpp"
#include "tests/unit/support/test_support.hpp"

namespace guest_test {

namespace fs = std::filesystem;

// A unique folder removed at the end of the test (h2k-guest-<tag>-XXXXXX). The
// name is unique so that `pgrep -f <disk in it>` only ever finds qemu
// processes of this test.
struct ScratchDir : h2k::test::ScratchDir {
  explicit ScratchDir(const std::string& tag) : h2k::test::ScratchDir("guest-" + tag) {}
};

// The overall deadline of a whole guest fix in TCG (appliance launch, inspection,
// initramfs rebuild): only a guard against a hang. A quiet machine needs 2-3
// minutes; one busy with other work took more than 8 (under 900 s, too close).
inline constexpr std::chrono::seconds kGuestFixDeadline{1800};

// Runs a host command (within 5 minutes); fails the test (with its stderr) if
// it does not succeed.
inline std::string run_ok(const std::vector<std::string>& argv) {
  return h2k::test::run_ok(argv, std::chrono::minutes(5));
}

// PIDs of processes whose command line mentions `needle` (qemu names its drive files).
inline std::vector<std::string> processes_mentioning(const std::string& needle) {
  auto r = h2k::run_subprocess({"pgrep", "-f", "--", needle});
  std::vector<std::string> pids;
  std::string line;
  for (char c : r.out) {
    if (c == '\n') {
      if (!line.empty() && line != std::to_string(::getpid())) pids.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  return pids;
}

// SIGKILL is delivered asynchronously; allow the kernel a moment to tear a
// killed qemu down before concluding it survived.
inline bool no_process_mentions(const std::string& needle) {
  for (int i = 0; i < 50; ++i) {
    if (processes_mentioning(needle).empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

// Sets an environment variable for the scope of a test (the guest-fix child
// inherits the environment).
class ScopedEnv {
public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_) ::setenv(name_, old_.c_str(), 1);
    else ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

}  // namespace guest_test
