// The store after its writer process dies abruptly: SIGKILL mid-stream, or
// _exit without closing. Every acknowledged transition must be there, and the
// indexes must agree with the records.
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <set>
#include <sstream>

#include "tests/unit/support/test_paths.hpp"
#include "storage/job_store.hpp"
#include "temp_dir.hpp"

using namespace h2k;
using h2k::test::TempDir;

namespace {

struct Child {
  pid_t pid = -1;
  int out = -1;  // read end of its stdout
};

Child start_writer(const std::filesystem::path& db, std::vector<std::string> args) {
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<std::string> all{H2K_STORAGE_CRASH_WRITER, db.string()};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

// Reads "<id> <state>" lines; returns the last acknowledged state of each id
// and the number of lines. Stops after `stop_after` lines (0: at EOF).
struct Acks {
  std::map<std::string, std::string> last_state;
  std::vector<std::string> order;  // ids in first-seen order
  long lines = 0;
  std::string partial;

  void feed(const char* data, std::size_t n) {
    partial.append(data, n);
    std::size_t nl;
    while ((nl = partial.find('\n')) != std::string::npos) {
      std::istringstream line(partial.substr(0, nl));
      partial.erase(0, nl + 1);
      std::string id, state;
      line >> id >> state;
      if (!last_state.count(id)) order.push_back(id);
      last_state[id] = state;
      ++lines;
    }
  }
  void read_until(int fd, long stop_after) {
    char buf[4096];
    while (stop_after == 0 || lines < stop_after) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      feed(buf, static_cast<std::size_t>(n));
    }
  }
};

// The states a job may be in if the writer committed one more transition
// than it managed to acknowledge.
std::set<std::string> possible_states(const std::string& acked) {
  if (acked == "queued") return {"queued", "running"};
  if (acked == "running") return {"running", "done", "retry_wait", "failed"};
  if (acked == "retry_wait") return {"retry_wait", "queued", "running"};
  return {acked};  // done, failed: final
}

void check_drains_exactly_once(JobStore& store, std::size_t jobs) {
  store.recover_after_crash(5'000'000, [](const std::filesystem::path&) { return false; },
                            [](const Job&) { return std::string(); });
  std::set<std::string> claimed;
  bool twice = false;
  while (auto job = store.claim_next_ready(9'000'000'000, "test/slot-1")) {
    if (!claimed.insert(job->id).second) twice = true;
    store.mark_done(job->id, 9'000'000'000);
  }
  BOOST_TEST(!twice);
  auto c = store.counters().by_state;
  BOOST_TEST(c.queued + c.running + c.retry_wait == 0u);
  BOOST_TEST(c.done + c.failed == jobs);
  BOOST_TEST(store.check_consistency().empty());
}

// SIGKILL of a writer busy writing; every transition it acknowledged (printed
// after the call returned, or after sync() under group commit) must be there.
void kill_mid_stream_and_check(const std::vector<std::string>& writer_args) {
  TempDir t;
  Child child = start_writer(t.db(), writer_args);
  Acks acks;
  acks.read_until(child.out, 600);  // the writer is busy writing when it is killed
  ::kill(child.pid, SIGKILL);
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  acks.read_until(child.out, 0);    // acknowledgements still in the pipe
  ::close(child.out);
  BOOST_TEST(WIFSIGNALED(status));
  BOOST_REQUIRE(acks.lines >= 600);

  JobStore store(t.db());
  const auto problems = store.check_consistency();
  BOOST_TEST(problems.empty(), (problems.empty() ? "" : problems.front()));
  std::size_t mismatches = 0;
  for (auto& [id, acked] : acks.last_state) {
    auto job = store.get(id);
    if (!job || !possible_states(acked).count(to_string(job->state))) {
      ++mismatches;
      BOOST_TEST_MESSAGE(id << ": acknowledged " << acked << ", stored "
                            << (job ? to_string(job->state) : "nothing"));
    }
  }
  BOOST_TEST(mismatches == 0u);
  // The lease is written with the claim, in the same batch: no kill point
  // leaves a running job without its holder or with an epoch behind its
  // attempts (the writer never resets attempts, so epoch == attempts).
  std::size_t torn_leases = 0;
  for (JobState st : {JobState::Queued, JobState::Running, JobState::RetryWait, JobState::Done, JobState::Failed})
    for (const auto& job : store.list(st)) {
      const bool ok = job.epoch == static_cast<std::uint64_t>(job.attempts) &&
                      (st == JobState::Running ? job.holder == "writer/slot-1" : job.holder.empty());
      if (!ok) {
        ++torn_leases;
        BOOST_TEST_MESSAGE(job.id << ": " << to_string(st) << ", attempts " << job.attempts << ", epoch " << job.epoch
                                  << ", holder '" << job.holder << "'");
      }
    }
  BOOST_TEST(torn_leases == 0u);
  // At most one job more than acknowledged: the enqueue the kill interrupted.
  const auto total = store.counters().by_state.total();
  BOOST_TEST((total == acks.last_state.size() || total == acks.last_state.size() + 1));
  // Every acknowledged success is in the dedup index.
  for (auto& [id, acked] : acks.last_state)
    if (acked == "done") BOOST_TEST(store.dedup_index().find(store.get(id)->dedup_key).value_or("") == id);
  check_drains_exactly_once(store, total);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(job_store_crash)

BOOST_AUTO_TEST_CASE(sigkill_mid_stream_loses_no_acknowledged_transition) { kill_mid_stream_and_check({"forever"}); }

// Group commit (the daemon's mode): writes wait in the process until sync(),
// which must write them out, not only fsync what reached the file.
BOOST_AUTO_TEST_CASE(sigkill_under_group_commit_loses_no_synced_transition) {
  kill_mid_stream_and_check({"forever", "group"});
}

BOOST_AUTO_TEST_CASE(exit_without_closing_keeps_exactly_what_was_acknowledged) {
  TempDir t;
  Child child = start_writer(t.db(), {"exit", "500"});
  Acks acks;
  acks.read_until(child.out, 0);
  ::close(child.out);
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  BOOST_REQUIRE(acks.lines == 500);

  JobStore store(t.db());
  BOOST_TEST(store.check_consistency().empty());
  BOOST_TEST(store.counters().by_state.total() == acks.last_state.size());
  std::size_t mismatches = 0;
  for (auto& [id, acked] : acks.last_state) {
    auto job = store.get(id);
    if (!job || acked != to_string(job->state)) ++mismatches;
  }
  BOOST_TEST(mismatches == 0u);
  BOOST_TEST(store.counters().by_state.running > 0u);  // the writer leaves some running: recovery has work
  check_drains_exactly_once(store, acks.last_state.size());
}

BOOST_AUTO_TEST_SUITE_END()
