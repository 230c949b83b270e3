#include "actors/scheduler/job_journal.hpp"

#include "actors/common/iso_time.hpp"

namespace h2k {

void JobJournal::add(const std::string& job_id, std::int64_t at_ms, const std::string& line) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    if (jobs_.size() >= max_jobs_ && !by_order_.empty()) {
      jobs_.erase(by_order_.begin()->second);  // the oldest job's journal goes first
      by_order_.erase(by_order_.begin());
    }
    Entry e;
    e.order = next_order_++;
    by_order_[e.order] = job_id;
    it = jobs_.emplace(job_id, std::move(e)).first;
  }
  Entry& e = it->second;
  e.lines.push_back(iso8601_utc(at_ms) + " " + line);
  while (e.lines.size() > max_lines_) {
    e.lines.pop_front();
    ++e.first_seq;
  }
}

JobJournal::Page JobJournal::since(const std::string& job_id, std::uint64_t since) const {
  Page p;
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return p;
  const Entry& e = it->second;
  const std::uint64_t end = e.first_seq + e.lines.size();
  std::uint64_t from = since;
  if (from < e.first_seq) {
    p.dropped = e.first_seq - from;
    from = e.first_seq;
  }
  for (std::uint64_t s = from; s < end; ++s) p.lines.push_back(e.lines[s - e.first_seq]);
  p.next = std::max(end, since);
  return p;
}

}  // namespace h2k
