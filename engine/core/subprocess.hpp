#pragma once
// Runs external tools (qemu-img, our own guest-fix child) with a deadline,
// cancellation and line-by-line output callbacks. The child gets its own
// process group so a timeout kills it and everything it started (qemu).
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/progress.hpp"

namespace h2k {

struct SubprocessOptions {
  std::optional<std::chrono::milliseconds> timeout;   // whole run
  std::map<std::string, std::string> extra_env;        // added to the inherited environment
  std::function<void(const std::string&)> on_stdout_line;
  std::function<void(const std::string&)> on_stderr_line;
  // Lines are split on '\n' and '\r' (qemu-img -p redraws with '\r').
  CancelToken cancel;
  bool capture_stdout = true;   // keep stdout in the result
  bool capture_stderr = true;
  std::size_t capture_limit = 1 << 20;  // bytes kept per stream (tail)
  // Called every 200 ms while the child runs; return false to kill it
  // (used for watchdogs such as "appliance not launched within N s").
  std::function<bool()> keep_running;
  // The child gets SIGKILL when the thread that started it dies (the kernel's
  // parent-death signal, set between fork and exec), so a daemon killed with
  // SIGKILL never leaves a guest (qemu) running on.
  bool die_with_parent = false;
};

struct SubprocessResult {
  int exit_code = -1;       // -1 when killed by a signal
  int term_signal = 0;
  bool timed_out = false;
  bool cancelled = false;
  bool stopped_by_watchdog = false;
  std::string out;
  std::string err;
  bool ok() const { return exit_code == 0; }
};

// Throws ConversionError(Internal) only if the program cannot be started.
SubprocessResult run_subprocess(const std::vector<std::string>& argv,
                                const SubprocessOptions& options = {});

// First thing in an isolated child started with die_with_parent (our
// `__guest-fix` and `__boot-journal`): when the process that started it dies,
// the child kills its whole process group, not only itself. What libguestfs
// forks (supermin building the appliance, qemu, its recovery process) has no
// parent-death signal of its own and would otherwise run on after a daemon
// killed with SIGKILL. Returns false if the parent is already gone.
bool die_with_parent_and_own_group();

// How a child ended, for messages: "was killed by signal 9", "exited with code 2".
std::string describe_exit(const SubprocessResult& r);

// Last `max_lines` lines of a text, for error messages and log tails.
std::string tail_lines(const std::string& text, std::size_t max_lines);

}  // namespace h2k
