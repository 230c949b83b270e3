#include "storage/record_failure.hpp"

namespace h2k {

Job record_failure(JobStore& store, const RetryPolicy& policy, const std::string& id, JobError error,
                   std::int64_t now_ms) {
  auto job = store.get(id);
  if (!job) throw StorageError(store.path().string() + ": no job '" + id + "'");
  if (!policy.should_retry(error.kind, job->attempts)) return store.mark_failed(id, std::move(error), now_ms);
  const auto wait = policy.delay(job->attempts - 1);
  return store.mark_retry_wait(id, std::move(error), now_ms + wait.count());
}

}  // namespace h2k
