#pragma once
// Helpers for the guest tests: scratch folders, running host tools, and
// finding qemu processes that still use a test disk.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "engine/core/subprocess.hpp"

namespace guest_test {

namespace fs = std::filesystem;

// A unique folder removed at the end of the test. The name is unique so that
// `pgrep -f <disk in it>` only ever finds qemu processes of this test.
class ScratchDir {
public:
  explicit ScratchDir(const std::string& tag) {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("h2k-guest-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000));
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

// Runs a host command; fails the test (with its stderr) if it does not succeed.
inline std::string run_ok(const std::vector<std::string>& argv) {
  h2k::SubprocessOptions o;
  o.timeout = std::chrono::minutes(5);
  auto r = h2k::run_subprocess(argv, o);
  std::string cmd;
  for (const auto& a : argv) cmd += a + " ";
  BOOST_REQUIRE_MESSAGE(r.ok(), "command failed: " << cmd << "\n" << r.err);
  return r.out;
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
