#pragma once
// What the scheduler does when a running job's conversion fails: ask the
// RetryPolicy, then record the answer — retry_wait until now + delay, or
// failed for good. One place for the "attempts" arithmetic:
// Job::charged_attempts() counts the runs that were the job's own (the failed
// run included; runs interrupted by a crash or a lost slot are not),
// RetryPolicy::delay counts retries already made.
#include <cstdint>
#include <string>

#include "storage/job_store.hpp"
#include "storage/retry_policy.hpp"

namespace h2k {

// Returns the job as recorded (state RetryWait or Failed).
Job record_failure(JobStore& store, const RetryPolicy& policy, const std::string& id, JobError error,
                   std::int64_t now_ms);

}  // namespace h2k
