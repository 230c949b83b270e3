#pragma once
// Wakes the watcher when something happens in the watch folder, so a scan
// comes sooner than the periodic one. Only a hint: on NFS (or when the
// inotify limits are reached) it is inactive and the periodic scan does the
// work alone; it never replaces the scan.
#include <filesystem>
#include <functional>
#include <thread>

namespace h2k {

class InotifyWaker {
public:
  // Watches `dir` (not recursive) for files created, closed after writing,
  // moved in or out, deleted or with changed attributes. `on_change` runs on
  // the waker's own thread, at most once per 200 ms (a burst of events gives
  // one call at its start and one after it). If inotify cannot be set up,
  // nothing runs and active() is false; it logs nothing itself.
  InotifyWaker(std::filesystem::path dir, std::function<void()> on_change);
  ~InotifyWaker();  // stops and joins the thread
  InotifyWaker(const InotifyWaker&) = delete;
  InotifyWaker& operator=(const InotifyWaker&) = delete;

  bool active() const { return active_; }

private:
  void run();

  std::function<void()> on_change_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;  // eventfd: written once by the destructor
  bool active_ = false;
  std::thread thread_;
};

}  // namespace h2k
