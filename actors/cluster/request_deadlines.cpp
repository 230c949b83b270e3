#include "actors/cluster/request_deadlines.hpp"

#include <utility>
#include <vector>

namespace h2k {

RequestDeadlines::Token RequestDeadlines::open(std::int64_t deadline_ms, std::function<void()> on_expiry) {
  const Token token = next_++;
  open_.emplace(token, Entry{deadline_ms, std::move(on_expiry)});
  return token;
}

bool RequestDeadlines::close(Token token) { return open_.erase(token) == 1; }

std::size_t RequestDeadlines::expire(std::int64_t now_ms) {
  // Taken out first: an action may open (or, through a nested answer, close)
  // entries, and must not run while the map is being walked.
  std::vector<std::function<void()>> due;
  for (auto it = open_.begin(); it != open_.end();) {
    if (it->second.deadline_ms <= now_ms) {
      due.push_back(std::move(it->second.on_expiry));
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& action : due)
    if (action) action();
  return due.size();
}

}  // namespace h2k
