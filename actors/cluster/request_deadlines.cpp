#include "actors/cluster/request_deadlines.hpp"

#include <utility>
#include <vector>

namespace h2k {

RequestDeadlines::Token RequestDeadlines::open(std::int64_t deadline_ms, OnLost on_lost) {
  const Token token = next_++;
  open_.emplace(token, Entry{deadline_ms, std::move(on_lost)});
  return token;
}

bool RequestDeadlines::close(Token token) { return open_.erase(token) == 1; }

bool RequestDeadlines::fail(Token token, const std::string& why) {
  auto it = open_.find(token);
  if (it == open_.end()) return false;
  OnLost on_lost = std::move(it->second.on_lost);
  open_.erase(it);  // before the action, which may open requests
  if (on_lost) on_lost(why);
  return true;
}

std::size_t RequestDeadlines::expire(std::int64_t now_ms, const std::string& why) {
  // Taken out first: an action may open (or, through a nested answer, close)
  // entries, and must not run while the map is being walked.
  std::vector<OnLost> due;
  for (auto it = open_.begin(); it != open_.end();) {
    if (it->second.deadline_ms <= now_ms) {
      due.push_back(std::move(it->second.on_lost));
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& on_lost : due)
    if (on_lost) on_lost(why);
  return due.size();
}

}  // namespace h2k
