#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

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
  std::this_thread::sleep_for(100ms);
  BOOST_TEST(!process_alive(grandchild), "grandchild " << grandchild << " survived the timeout");
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

BOOST_AUTO_TEST_CASE(tail_lines_keeps_the_last_lines) {
  BOOST_TEST(tail_lines("a\nb\nc\nd\n", 2) == "c\nd\n");
  BOOST_TEST(tail_lines("a\nb", 5) == "a\nb");
  BOOST_TEST(tail_lines("", 3) == "");
}

BOOST_AUTO_TEST_SUITE_END()
