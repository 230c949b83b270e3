#pragma once
// Delivers notifications off the caller's thread: the notifier actor calls
// enqueue() (never blocks) and one worker thread sends each notification to
// the webhook (if webhook_url is set) and by email (if email_enabled), each
// channel with up to 3 attempts, 1 s then 2 s apart, retrying only what may
// pass (connection problems, timeouts, HTTP 5xx/429, SMTP 4xx).
//
// The queue holds at most 256 notifications; when full the oldest is dropped
// with a warning, so a dead endpoint cannot grow memory without bound.
// Log lines never contain the webhook URL's path/query, header values or
// the SMTP password. Destruction stops promptly: the backoff wait is
// interrupted and a running transfer is aborted; what is still queued is
// dropped with a warning (call flush() first to send it).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "actors/notifier/http_poster.hpp"
#include "actors/notifier/notification.hpp"
#include "actors/notifier/smtp_sender.hpp"
#include "actors/settings/notification_settings.hpp"

namespace h2k {

class NotificationDispatcher {
public:
  static constexpr std::size_t kQueueLimit = 256;
  static constexpr int kAttempts = 3;

  // level 0: info, 1: warning. Called from the worker thread and from
  // enqueue()'s caller, so it must be thread-safe (spdlog loggers are).
  using LogFn = std::function<void(int level, const std::string& line)>;

  NotificationDispatcher(NotificationSettings s, LogFn log);
  ~NotificationDispatcher();
  NotificationDispatcher(const NotificationDispatcher&) = delete;
  NotificationDispatcher& operator=(const NotificationDispatcher&) = delete;

  // Queues `n` for every configured channel; returns at once.
  void enqueue(Notification n);

  // Waits until everything queued so far has been delivered or given up,
  // at most `timeout`; true when the queue drained in time.
  bool flush(std::chrono::milliseconds timeout);

  // Per channel delivery: one notification to webhook and email counts twice.
  struct Counters {
    std::uint64_t sent = 0;
    std::uint64_t failed = 0;   // gave up after the attempts (or a final error)
    std::uint64_t dropped = 0;  // pushed out of a full queue, or left at shutdown
  };
  Counters counters() const;

private:
  void run();
  void deliver(const Notification& n);
  // Up to kAttempts tries of `attempt`, counting and logging the outcome.
  void with_retries(const Notification& n, const std::string& channel,
                    const std::function<DeliveryResult()>& attempt);
  // Sleeps `d` unless stopping; false when stopping.
  bool backoff(std::chrono::milliseconds d);
  void log(int level, const std::string& line) const;

  NotificationSettings settings_;
  LogFn log_;
  std::optional<HttpPoster> webhook_;
  std::optional<SmtpSender> smtp_;

  mutable std::mutex mu_;
  std::condition_variable wake_;  // worker: new work or stop
  std::condition_variable idle_;  // flush(): queue drained
  std::deque<Notification> queue_;
  bool busy_ = false;             // the worker holds a notification
  bool stop_ = false;
  std::atomic<bool> cancel_{false};  // aborts a running curl transfer
  Counters counters_;
  std::thread worker_;  // last: starts once everything above exists
};

}  // namespace h2k
