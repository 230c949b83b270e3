#pragma once
// LeaseKeeper: keeps an HttpNfcLease alive while its files download.
//
// A lease that hears no HttpNfcLeaseProgress for its leaseTimeout ends (data
// transfer does not renew it), so the keeper reports the overall percent from
// its own thread at a fixed interval, whatever the downloads do: a stalled
// disk must not let the lease run out. A failed progress call is reported and
// the keeper keeps going (the next one may get through; if the lease is gone,
// the downloads fail on their own with the real reason).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace h2k::vsphere {

class LeaseKeeper {
public:
  using ProgressCall = std::function<void(int percent)>;
  using ErrorReport = std::function<void(const std::string& what)>;

  // clamp(lease_timeout / 10, 2 s, 30 s): several renewals per timeout even on
  // short test leases, without flooding vCenter on long ones.
  static std::chrono::milliseconds interval_for(std::chrono::seconds lease_timeout);

  // Starts the thread; its first call is made at once.
  LeaseKeeper(std::chrono::milliseconds interval, ProgressCall progress, ErrorReport on_error);
  ~LeaseKeeper();  // stops without waiting out the interval, joins
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  void set_percent(int percent) { percent_.store(percent); }
  int calls() const { return calls_.load(); }

private:
  void run();

  std::chrono::milliseconds interval_;
  ProgressCall progress_;
  ErrorReport on_error_;
  std::atomic<int> percent_{0};
  std::atomic<int> calls_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;  // last: started once everything above is set
};

}  // namespace h2k::vsphere
