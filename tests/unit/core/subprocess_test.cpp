#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>
#include <utility>

#include "engine/core/error.hpp"
#include "engine/core/subprocess.hpp"

using namespace h2k;
using namespace std::chrono_literals;

namespace {
// Alive = exists and is not a zombie (an orphan is reaped by PID 1, which in a
// container may never happen).
bool process_alive(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

// True once `pid` is gone, polled for up to 10 s: a SIGKILLed process is only
// gone when it next runs, which on a busy machine can take a while.
bool gone_soon(int pid) {
  for (int i = 0; i < 200; ++i) {
    if (!process_alive(pid)) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(subprocess)

BOOST_AUTO_TEST_CASE(captures_exit_code_and_output) {
  auto r = run_subprocess({"sh", "-c", "echo out; echo err >&2; exit 7"});
  BOOST_TEST(r.exit_code == 7);
  BOOST_TEST(r.out == "out\n");
  BOOST_TEST(r.err == "err\n");
  BOOST_TEST(!r.ok());
}

BOOST_AUTO_TEST_CASE(splits_lines_on_carriage_returns_like_qemu_img_progress) {
  std::vector<std::string> lines;
  SubprocessOptions o;
  o.on_stdout_line = [&](const std::string& l) { lines.push_back(l); };
  run_subprocess({"printf", "    (10.00/100%%)\r    (55.50/100%%)\r    (100.00/100%%)\n"}, o);
  BOOST_REQUIRE_EQUAL(lines.size(), 3u);
  BOOST_TEST(lines[1] == "    (55.50/100%)");
}

BOOST_AUTO_TEST_CASE(timeout_kills_the_whole_process_group) {
  SubprocessOptions o;
  o.timeout = 500ms;
  // The grandchild (sleep) must die too, or qemu processes would outlive a killed libguestfs child.
  auto start = std::chrono::steady_clock::now();
  auto r = run_subprocess({"sh", "-c", "sleep 30 & echo $!; wait"}, o);
  BOOST_TEST(r.timed_out);
  BOOST_TEST(r.exit_code == -1);
  BOOST_TEST((std::chrono::steady_clock::now() - start < 10s));
  int grandchild = std::stoi(r.out);
  BOOST_TEST(gone_soon(grandchild), "grandchild " << grandchild << " survived the timeout");
}

BOOST_AUTO_TEST_CASE(cancellation_and_watchdog_stop_the_child) {
  CancelToken token;
  SubprocessOptions o;
  o.cancel = token;
  std::thread t([&] {
    std::this_thread::sleep_for(300ms);
    token.cancel();
  });
  auto r = run_subprocess({"sleep", "30"}, o);
  t.join();
  BOOST_TEST(r.cancelled);

  SubprocessOptions w;
  int calls = 0;
  w.keep_running = [&] { return ++calls < 3; };
  auto r2 = run_subprocess({"sleep", "30"}, w);
  BOOST_TEST(r2.stopped_by_watchdog);
}

BOOST_AUTO_TEST_CASE(extra_environment_reaches_the_child) {
  SubprocessOptions o;
  o.extra_env["H2K_TEST_VALUE"] = "forty two";
  auto r = run_subprocess({"sh", "-c", "printf %s \"$H2K_TEST_VALUE\""}, o);
  BOOST_TEST(r.out == "forty two");
}

BOOST_AUTO_TEST_CASE(a_missing_program_is_an_error_naming_it) {
  try {
    run_subprocess({"/nonexistent/h2k-tool"});
    BOOST_FAIL("expected an error");
  } catch (const ConversionError& e) {
    BOOST_TEST(std::string(e.what()).find("/nonexistent/h2k-tool") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(die_with_parent_runs_the_child_like_the_default) {
  SubprocessOptions o;
  o.die_with_parent = true;
  o.extra_env["H2K_TEST_VALUE"] = "seven";
  auto r = run_subprocess({"sh", "-c", "echo \"$H2K_TEST_VALUE\"; read x || echo stdin-closed; exit 7"}, o);
  BOOST_TEST(r.exit_code == 7);
  BOOST_TEST(r.out == "seven\nstdin-closed\n");
  o.timeout = 500ms;
  r = run_subprocess({"sh", "-c", "sleep 30 & echo $!; wait"}, o);
  BOOST_TEST(r.timed_out);
  BOOST_TEST(gone_soon(std::stoi(r.out)), "the process group was not killed");
  BOOST_CHECK_THROW(run_subprocess({"/nonexistent/h2k-tool"}, o), ConversionError);
  BOOST_CHECK_THROW(run_subprocess({"h2k-no-such-tool-in-path"}, o), ConversionError);
}

namespace {
// Reads the first line the forked `parent` (or what it started) writes into
// the pipe, then kills `parent` with SIGKILL, as `kill -9` of a daemon.
std::string first_line_then_kill(int fds[2], pid_t parent) {
  ::close(fds[1]);
  std::string text;
  char c;
  while (::read(fds[0], &c, 1) == 1 && c != '\n') text.push_back(c);
  ::close(fds[0]);
  ::kill(parent, SIGKILL);
  ::waitpid(parent, nullptr, 0);
  return text;
}

// Forks a process that runs `sh -c 'echo $$; exec sleep 60'` through
// run_subprocess, kills that process with SIGKILL (as a daemon killed by the
// OOM killer or `kill -9`), and returns the pid of the sleep it had started.
int child_of_a_killed_parent(bool die_with_parent) {
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  pid_t parent = ::fork();
  BOOST_REQUIRE(parent >= 0);
  if (parent == 0) {
    ::close(fds[0]);
    SubprocessOptions o;
    o.die_with_parent = die_with_parent;
    o.on_stdout_line = [&](const std::string& line) {
      std::string l = line + "\n";
      (void)!::write(fds[1], l.data(), l.size());
    };
    try {
      run_subprocess({"sh", "-c", "echo $$; exec sleep 60"}, o);
    } catch (...) {
    }
    ::_exit(0);
  }
  const std::string text = first_line_then_kill(fds, parent);
  BOOST_REQUIRE(!text.empty());
  return std::stoi(text);
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_child_that_must_die_with_us_dies_when_we_are_killed) {
  const int orphan = child_of_a_killed_parent(/*die_with_parent=*/false);
  std::this_thread::sleep_for(300ms);
  // Without the option the child outlives a SIGKILLed parent: what the option is for.
  BOOST_TEST(process_alive(orphan));
  ::kill(orphan, SIGKILL);

  const int child = child_of_a_killed_parent(/*die_with_parent=*/true);
  BOOST_TEST(gone_soon(child), "child " << child << " survived its parent's SIGKILL");
}

namespace {
// The shape of a daemon running `__guest-fix`: P (the daemon) starts C (the
// child, leading its own process group), C starts G (what libguestfs forks:
// supermin, qemu), then P is killed with SIGKILL. Returns {C, G}.
std::pair<int, int> grandchild_of_a_killed_parent(bool child_takes_its_group) {
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  pid_t parent = ::fork();
  BOOST_REQUIRE(parent >= 0);
  if (parent == 0) {
    pid_t child = ::fork();
    if (child == 0) {
      ::setpgid(0, 0);
      if (child_takes_its_group) {
        if (!die_with_parent_and_own_group()) ::_exit(1);
      } else {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the child alone dies
      }
      pid_t grandchild = ::fork();
      if (grandchild == 0) {
        ::execlp("sleep", "sleep", "60", nullptr);
        ::_exit(127);
      }
      std::string pids = std::to_string(::getpid()) + " " + std::to_string(grandchild) + "\n";
      (void)!::write(fds[1], pids.data(), pids.size());
      ::pause();
      ::_exit(0);
    }
    ::pause();
    ::_exit(0);
  }
  const std::string text = first_line_then_kill(fds, parent);
  BOOST_REQUIRE(text.find(' ') != std::string::npos);
  return {std::stoi(text.substr(0, text.find(' '))), std::stoi(text.substr(text.find(' ') + 1))};
}
}  // namespace

// Seen in CI: a daemon killed while libguestfs' supermin rebuilt the appliance
// left supermin running (it has no parent-death signal of its own).
BOOST_AUTO_TEST_CASE(an_isolated_child_takes_what_it_started_along_when_the_parent_dies) {
  auto [lone_child, orphan] = grandchild_of_a_killed_parent(/*child_takes_its_group=*/false);
  BOOST_TEST(gone_soon(lone_child));
  std::this_thread::sleep_for(300ms);
  BOOST_TEST(process_alive(orphan), "without the group kill the grandchild outlives the parent: what it is for");
  ::kill(orphan, SIGKILL);

  auto [child, grandchild] = grandchild_of_a_killed_parent(/*child_takes_its_group=*/true);
  BOOST_TEST(gone_soon(child), "child " << child << " survived its parent's SIGKILL");
  BOOST_TEST(gone_soon(grandchild), "grandchild " << grandchild << " survived its parent's SIGKILL");
}

BOOST_AUTO_TEST_CASE(tail_lines_keeps_the_last_lines) {
  BOOST_TEST(tail_lines("a\nb\nc\nd\n", 2) == "c\nd\n");
  BOOST_TEST(tail_lines("a\nb", 5) == "a\nb");
  BOOST_TEST(tail_lines("", 3) == "");
}

BOOST_AUTO_TEST_SUITE_END()
