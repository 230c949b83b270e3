#include "actors/common/fault_injection.hpp"

#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <unistd.h>

namespace h2k {

namespace {
constexpr std::array<std::string_view, 8> kPoints{"before_staging",       "mid_copy",          "staging_complete",
                                                  "publish_allowed",      "after_publish_rename", "after_done_commit",
                                                  "mid_archive",          "slot_throw"};
}

FaultPlan FaultPlan::parse(const char* value) {
  FaultPlan plan;
  if (value == nullptr || *value == '\0') return plan;
  const std::string v(value);
  const auto colon = v.find(':');
  auto bad = [&](const std::string& why) {
    std::string known;
    for (auto p : kPoints) known += (known.empty() ? "" : ", ") + std::string(p);
    return std::invalid_argument("H2K_FAULT='" + v + "': " + why + " (expected <point>:job=<id>; points: " + known + ")");
  };
  if (colon == std::string::npos || v.compare(colon + 1, 4, "job=") != 0 || v.size() <= colon + 5)
    throw bad("no job=<id>");
  plan.point = v.substr(0, colon);
  bool known = false;
  for (auto p : kPoints) known = known || p == plan.point;
  if (!known) throw bad("unknown point '" + plan.point + "'");
  plan.job_id = v.substr(colon + 5);
  if (plan.job_id.find_first_not_of("0123456789") == std::string::npos) plan.job_id = "job-" + plan.job_id;
  return plan;
}

FaultPlan FaultPlan::from_env() { return parse(std::getenv("H2K_FAULT")); }

void FaultPlan::exit_if_at(std::string_view p, const std::string& job) const {
  if (!at(p, job)) return;
  std::fprintf(stderr, "H2K_FAULT: %s reached by %s: exiting with 137\n", point.c_str(), job.c_str());
  std::fflush(stderr);
  ::_exit(137);
}

void FaultPlan::stop_if_at(std::string_view p, const std::string& job) const {
  if (!at(p, job)) return;
  std::fprintf(stderr, "H2K_FAULT: %s reached by %s: stopping (SIGSTOP) until SIGCONT\n", point.c_str(), job.c_str());
  std::fflush(stderr);
  std::raise(SIGSTOP);
}

}  // namespace h2k
