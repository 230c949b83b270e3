#include "storage/job_keys.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace h2k::keys {

int priority_rank(JobPriority p) {
  switch (p) {
    case JobPriority::High: return 0;
    case JobPriority::Normal: return 1;
    case JobPriority::Low: return 2;
  }
  return 1;
}

int queue_rank(const Job& job) { return priority_rank(job.priority) + (job.needs_export() ? kExportRankBase : 0); }

std::string padded(std::uint64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(n));
  return buf;
}

static std::uint64_t non_negative(std::int64_t v) { return v < 0 ? 0 : static_cast<std::uint64_t>(v); }

std::string job(std::string_view id) { return std::string(kJob).append(id); }

std::string state_prefix(JobState s) { return std::string(kState) + to_string(s) + "/"; }

std::string queue_prefix(int rank) { return std::string(kQueue) + std::to_string(rank) + "/"; }

std::string queue_from(int rank, std::uint64_t seq) { return queue_prefix(rank) + padded(seq) + "/"; }

std::string retry_from(std::int64_t at_ms) { return std::string(kRetry) + padded(non_negative(at_ms)) + "/"; }

std::string dedup(std::string_view dedup_key) { return std::string(kDedup).append(dedup_key); }

std::string out(std::string_view folder) { return std::string(kOut).append(folder); }

std::vector<std::string> index_keys(const Job& job) {
  std::vector<std::string> out{state_prefix(job.state) + job.id};
  if (job.state == JobState::Queued)
    out.push_back(queue_from(queue_rank(job), job.enqueue_seq) + job.id);
  else if (job.state == JobState::RetryWait)
    out.push_back(retry_from(job.next_attempt_at) + job.id);
  else if (job.state == JobState::Done && !job.archive_pending.empty())
    out.push_back(std::string(kArchive) + job.id);
  return out;
}

bool holds_watch_files(const Job& job) {
  if (job.source_root != kWatchRoot || job.sources.empty()) return false;
  return job.state == JobState::Queued || job.state == JobState::RetryWait || job.state == JobState::Running ||
         (job.state == JobState::Done && !job.archive_pending.empty());
}

std::string_view id_of(std::string_view index_key) {
  const auto slash = index_key.rfind('/');
  return slash == std::string_view::npos ? index_key : index_key.substr(slash + 1);
}

std::int64_t retry_time_of(std::string_view retry_key) {
  std::string_view rest = retry_key.substr(std::min(retry_key.size(), kRetry.size()));
  std::uint64_t v = 0;
  std::from_chars(rest.data(), rest.data() + rest.size(), v);
  return static_cast<std::int64_t>(v);
}

}  // namespace h2k::keys
