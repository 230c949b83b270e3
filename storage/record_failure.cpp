#include "storage/record_failure.hpp"

#include <algorithm>

namespace h2k {

Job record_failure(JobStore& store, const RetryPolicy& policy, const std::string& id, JobError error,
                   std::int64_t now_ms) {
  auto job = store.get(id);
  if (!job) throw StorageError(store.path().string() + ": no job '" + id + "'");
  // Runs interrupted through no fault of the job are not charged.
  const int charged = std::max(1, job->charged_attempts());
  if (!policy.should_retry(error.kind, charged)) return store.mark_failed(id, std::move(error), now_ms);
  const auto wait = policy.delay(charged - 1);
  return store.mark_retry_wait(id, std::move(error), now_ms + wait.count());
}

}  // namespace h2k
