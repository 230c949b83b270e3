#include "engine/vsphere/lease_keeper.hpp"

#include <algorithm>

namespace h2k::vsphere {

std::chrono::milliseconds LeaseKeeper::interval_for(std::chrono::seconds lease_timeout) {
  const std::chrono::milliseconds tenth = std::chrono::duration_cast<std::chrono::milliseconds>(lease_timeout) / 10;
  return std::clamp<std::chrono::milliseconds>(tenth, std::chrono::seconds(2), std::chrono::seconds(30));
}

LeaseKeeper::LeaseKeeper(std::chrono::milliseconds interval, ProgressCall progress, ErrorReport on_error)
    : interval_(interval), progress_(std::move(progress)), on_error_(std::move(on_error)), thread_([this] { run(); }) {}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LeaseKeeper::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    try {
      progress_(std::clamp(percent_.load(), 0, 100));
      ++calls_;
    } catch (const std::exception& e) {
      if (on_error_) on_error_(e.what());
    }
    lock.lock();
    cv_.wait_for(lock, interval_, [this] { return stop_; });
  }
}

}  // namespace h2k::vsphere
