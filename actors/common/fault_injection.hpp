#pragma once
// Test-only fault injection: with H2K_FAULT=<point>:job=<id> in its
// environment, the daemon dies with _exit(137) (as if SIGKILLed: no
// destructors, no flush) when job <id> reaches <point>. The fault-injection
// tests and the soak benchmark use it to hit every point between two durable
// steps of a job, which a kill -9 at a random moment would reach only by
// luck. Parsed once at start-up (FaultPlan::from_env) and passed down in the
// actors' settings: no global state. Unset = no fault, zero cost.
//
// Points (in the order a job passes them):
//   before_staging         the converter took the job, nothing written yet
//   mid_copy               the first disk is being copied into the staging folder
//   staging_complete       the staging folder is complete, publish not yet asked
//   publish_allowed        (not an exit) the publish permission arrived, the
//                          rename is not done: the process stops itself
//                          (SIGSTOP), as a node frozen at the worst moment;
//                          SIGCONT resumes it
//   after_publish_rename   the output folder was renamed into place, done not recorded
//   after_done_commit      done was recorded (synced), sources not yet archived
//   mid_archive            one source file was moved to .processed/, others not yet
//   slot_throw             (not an exit) the job's converter actor throws an
//                          exception mid-job, on the job's first attempt only
#include <optional>
#include <string>
#include <string_view>

namespace h2k {

struct FaultPlan {
  std::string point;   // "" = no fault
  std::string job_id;  // "job-2"

  // Parses "<point>:job=<id>" (id "2" means "job-2"); nullopt-like empty
  // plan for nullptr/"". Throws std::invalid_argument naming the variable
  // for anything else (a typo must not silently test nothing).
  static FaultPlan parse(const char* value);
  static FaultPlan from_env() ;

  bool armed() const { return !point.empty(); }
  bool at(std::string_view p, const std::string& job) const { return armed() && point == p && job == job_id; }
  // _exit(137) when armed for (p, job), after one line on stderr.
  void exit_if_at(std::string_view p, const std::string& job) const;
  // raise(SIGSTOP) when armed for (p, job), after one line on stderr: the
  // whole process stops until someone sends it SIGCONT.
  void stop_if_at(std::string_view p, const std::string& job) const;
};

}  // namespace h2k
