#pragma once
// Progress reporting and cooperative cancellation for long engine work.
// Both are plain values so the daemon can forward them as messages.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace h2k {

struct ProgressEvent {
  std::string phase;          // "probe", "copy", "inspect", "fix", "check", "output"
  std::string item;           // e.g. the disk being copied ("disk 1/2: web01-disk1.vmdk")
  double percent = 0;         // 0..100 within the phase
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;
  double rate_bytes_per_s = 0;
  double eta_s = -1;          // < 0: unknown
  std::string message;        // free text for the log
};

using ProgressSink = std::function<void(const ProgressEvent&)>;

// Shared flag; copies observe the same state. Checked between steps and by
// subprocess runners, which kill their child when it is set.
class CancelToken {
public:
  CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
  void cancel() const { flag_->store(true); }
  bool cancelled() const { return flag_->load(); }
  void throw_if_cancelled(const std::string& what) const;

private:
  std::shared_ptr<std::atomic<bool>> flag_;
};

}  // namespace h2k
