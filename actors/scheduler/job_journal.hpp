#pragma once
// What happened to each job, line by line, for `hyperctl logs ID
// [--follow]`: queued, started (attempt, holder), phases, exported,
// retries, the converter's last log lines, done or failed. Kept in the
// coordinator's memory only (bounded: the newest jobs, the last lines of
// each); the durable account of a finished job is its report.json and, for
// a failure, its .error.json.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace h2k {

class JobJournal {
public:
  explicit JobJournal(std::size_t max_jobs = 2000, std::size_t max_lines_per_job = 400)
      : max_jobs_(max_jobs), max_lines_(max_lines_per_job) {}

  // Appends "<ISO time> <line>" to the job's journal.
  void add(const std::string& job_id, std::int64_t at_ms, const std::string& line);

  struct Page {
    std::vector<std::string> lines;  // sequence numbers [first, next)
    std::uint64_t next = 0;          // ask for `since = next` to get what comes after
    std::uint64_t dropped = 0;       // lines before `since` no longer kept
  };
  // The job's lines with sequence numbers >= since (0 = from the start).
  Page since(const std::string& job_id, std::uint64_t since) const;
  bool knows(const std::string& job_id) const { return jobs_.count(job_id) > 0; }

private:
  struct Entry {
    std::deque<std::string> lines;
    std::uint64_t first_seq = 0;  // sequence number of lines.front()
    std::uint64_t order = 0;      // insertion order of the job (eviction)
  };
  std::size_t max_jobs_;
  std::size_t max_lines_;
  std::uint64_t next_order_ = 0;
  std::map<std::string, Entry> jobs_;
  std::map<std::uint64_t, std::string> by_order_;
};

}  // namespace h2k
