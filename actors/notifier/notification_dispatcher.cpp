// NotificationDispatcher: bounded queue, one worker, retries with backoff.
#include "actors/notifier/notification_dispatcher.hpp"

#include "actors/notifier/payloads.hpp"

namespace h2k {

namespace {

constexpr std::chrono::milliseconds kBackoff[] = {std::chrono::seconds(1), std::chrono::seconds(2)};

}  // namespace

NotificationDispatcher::NotificationDispatcher(NotificationSettings s, LogFn log)
    : settings_(std::move(s)), log_(std::move(log)) {
  if (!settings_.webhook_url.empty())
    webhook_.emplace(settings_.webhook_url, settings_.webhook_headers,
                     HttpPosterOptions{std::chrono::seconds(5), std::chrono::seconds(15), settings_.tls_ca_file});
  if (settings_.email_enabled) smtp_.emplace(settings_);
  worker_ = std::thread([this] { run(); });
}

NotificationDispatcher::~NotificationDispatcher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cancel_ = true;
  wake_.notify_all();
  worker_.join();
  if (!queue_.empty())
    log(1, "notifier stopping: " + std::to_string(queue_.size()) + " queued notification(s) not sent");
}

void NotificationDispatcher::log(int level, const std::string& line) const {
  if (log_) log_(level, line);
}

void NotificationDispatcher::enqueue(Notification n) {
  std::optional<std::string> dropped_event;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= kQueueLimit) {
      dropped_event = queue_.front().event;
      queue_.pop_front();
      ++counters_.dropped;
    }
    queue_.push_back(std::move(n));
  }
  wake_.notify_one();
  if (dropped_event)
    log(1, "notification queue full (" + std::to_string(kQueueLimit) + "): dropped the oldest ('" + *dropped_event +
               "'); the channels are not keeping up");
}

bool NotificationDispatcher::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_.wait_for(lock, timeout, [&] { return (queue_.empty() && !busy_) || stop_; }) && queue_.empty() &&
         !busy_;
}

NotificationDispatcher::Counters NotificationDispatcher::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void NotificationDispatcher::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) break;
    Notification n = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    deliver(n);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
  idle_.notify_all();
}

void NotificationDispatcher::deliver(const Notification& n) {
  if (webhook_ && n.raw_body) {
    with_retries(n, webhook_->describe(), [&] { return webhook_->post_body(*n.raw_body, n.headers, &cancel_); });
  } else if (webhook_) {
    const nlohmann::json payload = webhook_payload(n, settings_);
    with_retries(n, webhook_->describe() + " (" + to_string(settings_.webhook_type) + ")",
                 [&] { return webhook_->post_json(payload, &cancel_); });
  }
  if (smtp_) {
    const std::string message = email_message(n, settings_);
    with_retries(n, smtp_->describe(), [&] { return smtp_->send(message, &cancel_); });
  }
}

void NotificationDispatcher::with_retries(const Notification& n, const std::string& channel,
                                          const std::function<DeliveryResult()>& attempt) {
  const std::string what = "notification '" + n.event + "'";
  for (int i = 1;; ++i) {
    if (cancel_) return;
    const DeliveryResult r = attempt();
    if (r.ok) {
      {
        std::lock_guard lock(mu_);
        ++counters_.sent;
      }
      log(0, what + " sent: " + channel + (i > 1 ? " (attempt " + std::to_string(i) + ")" : ""));
      return;
    }
    if (cancel_) {
      log(1, what + " not sent: " + channel + ": the notifier is shutting down");
      return;
    }
    const bool again = r.retryable && i < kAttempts;
    if (!again) {
      {
        std::lock_guard lock(mu_);
        ++counters_.failed;
      }
      log(1, what + " not delivered: " + r.error + " (attempt " + std::to_string(i) + "/" +
                 std::to_string(kAttempts) + (r.retryable ? ", giving up)" : ", not retryable)"));
      return;
    }
    const auto wait = kBackoff[i - 1];
    log(1, what + ": " + r.error + " (attempt " + std::to_string(i) + "/" + std::to_string(kAttempts) +
               ", retrying in " + std::to_string(wait.count() / 1000) + " s)");
    if (!backoff(wait)) {
      log(1, what + " not sent: " + channel + ": the notifier is shutting down");
      return;
    }
  }
}

bool NotificationDispatcher::backoff(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !wake_.wait_for(lock, d, [&] { return stop_; });
}

}  // namespace h2k
