// InotifyWaker in real time: a change in the folder wakes the caller soon,
// bursts are coalesced, and a folder inotify cannot watch leaves it inactive.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "actors/watcher/inotify_waker.hpp"
#include "tests/unit/watcher/watcher_test_support.hpp"

using namespace h2k;
using namespace h2k::watcher_test;
using Clock = std::chrono::steady_clock;

namespace {

// Records when on_change ran.
struct Calls {
  std::mutex m;
  std::condition_variable cv;
  std::vector<Clock::time_point> at;

  std::function<void()> callback() {
    return [this] {
      std::lock_guard lock(m);
      at.push_back(Clock::now());
      cv.notify_all();
    };
  }
  bool wait_for_count(std::size_t n, std::chrono::milliseconds limit) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, limit, [&] { return at.size() >= n; });
  }
  // Waits for a call at or after `t`.
  bool wait_for_call_after(Clock::time_point t, std::chrono::milliseconds limit) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, limit, [&] { return !at.empty() && at.back() >= t; });
  }
  std::vector<Clock::time_point> snapshot() {
    std::lock_guard lock(m);
    return at;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(watcher_inotify)

BOOST_AUTO_TEST_CASE(creating_a_file_calls_on_change_within_two_seconds) {
  ScratchDir dir("watch");
  Calls calls;
  InotifyWaker waker(dir.path(), calls.callback());
  BOOST_TEST_REQUIRE(waker.active());
  BOOST_TEST(calls.snapshot().empty(), "nothing happened yet");
  write_file(dir / "web01.ova", "x");
  BOOST_TEST(calls.wait_for_count(1, std::chrono::milliseconds(2000)));
}

BOOST_AUTO_TEST_CASE(a_burst_of_changes_is_coalesced_and_the_last_one_is_not_lost) {
  ScratchDir dir("watch");
  Calls calls;
  InotifyWaker waker(dir.path(), calls.callback());
  BOOST_TEST_REQUIRE(waker.active());
  const auto start = Clock::now();
  Clock::time_point last_write;  // just before the last write began: its events come later
  for (int i = 0; i < 50; ++i) {  // 50 files over ~500 ms
    last_write = Clock::now();
    write_file(dir / ("f" + std::to_string(i) + ".ova"), "x");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // The trailing call comes about 200 ms after the last change; on a busy
  // machine later, so it is awaited rather than assumed after a fixed sleep.
  BOOST_TEST(calls.wait_for_call_after(last_write, std::chrono::seconds(10)),
             "a call after the last change, so it is not missed");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // room for a (wrong) extra call
  const auto at = calls.snapshot();
  const double span_s = std::chrono::duration<double>(last_write - start).count();
  BOOST_TEST_MESSAGE(at.size() << " calls for 50 files over " << span_s << " s");
  BOOST_TEST(at.size() >= 2u);
  BOOST_TEST(at.size() <= static_cast<std::size_t>(span_s / 0.2) + 3, "at most one call per 200 ms");
  for (std::size_t i = 1; i < at.size(); ++i)
    BOOST_TEST((at[i] - at[i - 1] >= std::chrono::milliseconds(195)),
               "calls " << i - 1 << " and " << i << " too close");
  BOOST_TEST_REQUIRE(!at.empty());
  BOOST_TEST((at.back() >= last_write), "a call after the last change, so it is not missed");
}

BOOST_AUTO_TEST_CASE(folder_that_cannot_be_watched_leaves_it_inactive) {
  ScratchDir dir("watch");
  Calls calls;
  InotifyWaker waker(dir / "does-not-exist", calls.callback());
  BOOST_TEST(!waker.active());
  write_file(dir / "web01.ova", "x");
  BOOST_TEST(!calls.wait_for_count(1, std::chrono::milliseconds(300)));
}

BOOST_AUTO_TEST_CASE(destruction_stops_the_thread_promptly) {
  ScratchDir dir("watch");
  Calls calls;
  const auto start = Clock::now();
  {
    InotifyWaker waker(dir.path(), calls.callback());
    BOOST_TEST_REQUIRE(waker.active());
  }
  BOOST_TEST((Clock::now() - start < std::chrono::milliseconds(500)));
  write_file(dir / "after.ova", "x");
  BOOST_TEST(!calls.wait_for_count(1, std::chrono::milliseconds(300)), "no call after destruction");
}

BOOST_AUTO_TEST_SUITE_END()
