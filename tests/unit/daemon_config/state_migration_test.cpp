// migrate_legacy_state(): <output_dir>/.daemon (the old place of the
// daemon's state) moves once to state_dir, on real RocksDB databases made
// with JobStore: after the move the jobs are read from the new place and
// the old folder is gone.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <set>

#include "config_test_support.hpp"
#include "nodes/common/config/state_migration.hpp"
#include "storage/job_store.hpp"

using namespace h2k;
using namespace h2k::test;
namespace fs = std::filesystem;
using Action = StateMigration::Action;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A daemon's old state folder: a job database with two jobs (one queued,
// one done), stats.json, metrics.prom and a dead daemon's control socket.
// Returns the two job ids.
std::vector<std::string> make_old_state(const fs::path& output_dir) {
  const fs::path old = output_dir / ".daemon";
  std::vector<std::string> ids;
  {
    JobStore store(old / "state.rocksdb");
    for (const char* src : {"web01.ova", "db01.vmdk"}) {
      NewJob d;
      d.sources = {src};
      d.file_type = fs::path(src).extension().string().substr(1);
      ids.push_back(store.enqueue(d, 1000).id);
    }
    auto claimed = store.claim_next_ready(2000, "test/slot-1");
    BOOST_REQUIRE(claimed);
    BOOST_REQUIRE(claimed->id == ids[0]);
    store.reserve_output(ids[0], "2026-12-03", "web01", [](const fs::path&) { return false; });
    store.mark_done(ids[0], 3000);
  }
  write_file(old / "stats.json", R"({"total_processed": 1})");
  write_file(old / "metrics.prom", "hyper2kvm_jobs_processed_total 1\n");
  // A Unix socket file, as a daemon killed with -9 leaves its control.sock.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  BOOST_REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string sock = (old / "control.sock").string();
  std::strncpy(addr.sun_path, sock.c_str(), sizeof addr.sun_path - 1);
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  ::close(fd);
  BOOST_REQUIRE(fs::is_socket(old / "control.sock"));
  return ids;
}

// The jobs of make_old_state, read through a JobStore on `state_dir`.
void expect_jobs_in(const fs::path& state_dir, const std::vector<std::string>& ids) {
  JobStore store(state_dir / "state.rocksdb");
  auto done = store.get(ids[0]);
  auto queued = store.get(ids[1]);
  BOOST_REQUIRE(done);
  BOOST_REQUIRE(queued);
  BOOST_TEST(done->state == JobState::Done);
  BOOST_TEST(done->output_path == fs::path("2026-12-03/web01"));
  BOOST_TEST(queued->state == JobState::Queued);
  BOOST_TEST(queued->sources.at(0) == fs::path("db01.vmdk"));
  BOOST_TEST(store.check_consistency().empty());
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

void expect_moved(const fs::path& output_dir, const fs::path& state_dir, const std::vector<std::string>& ids) {
  BOOST_TEST(!fs::exists(fs::symlink_status(output_dir / ".daemon")), "the old folder is gone");
  // The socket of a dead daemon is not carried over; no temporary copies are left.
  BOOST_TEST((names_in(state_dir) == std::set<std::string>{"metrics.prom", "state.rocksdb", "stats.json"}));
  BOOST_TEST(read_file(state_dir / "stats.json") == R"({"total_processed": 1})");
  BOOST_TEST(read_file(state_dir / "metrics.prom") == "hyper2kvm_jobs_processed_total 1\n");
  expect_jobs_in(state_dir, ids);
}

std::string error_of_migration(const fs::path& output_dir, const fs::path& state_dir,
                               const StateMigrationOptions& options = {}) {
  try {
    migrate_legacy_state(output_dir, state_dir, options);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(state_migration)

BOOST_AUTO_TEST_CASE(on_one_filesystem_the_old_folder_is_renamed) {
  TempDir t;
  const fs::path output = t.path / "output", state = t.path / "var/lib/hyper2kvm/state";
  const auto ids = make_old_state(output);
  const auto m = migrate_legacy_state(output, state);
  BOOST_TEST((m.action == Action::renamed));
  BOOST_TEST(m.from == output / ".daemon");
  BOOST_TEST(m.to == state);
  BOOST_TEST(m.message == "moved the daemon state from " + (output / ".daemon").string() + " to " + state.string() +
                              " (renamed)");
  expect_moved(output, state, ids);
  // Once: the next start finds nothing to move.
  const auto again = migrate_legacy_state(output, state);
  BOOST_TEST((again.action == Action::none));
  BOOST_TEST(again.message.empty());
  expect_jobs_in(state, ids);
}

BOOST_AUTO_TEST_CASE(into_an_existing_empty_state_dir) {
  // systemd's StateDirectory= (or an operator) made the folder beforehand.
  TempDir t;
  const fs::path output = t.path / "output", state = t.path / "state";
  fs::create_directories(state);
  const auto ids = make_old_state(output);
  BOOST_TEST((migrate_legacy_state(output, state).action == Action::renamed));
  expect_moved(output, state, ids);
}

BOOST_AUTO_TEST_CASE(across_filesystems_it_is_copied_then_the_old_folder_removed) {
  // force_copy takes the path a rename failing with EXDEV takes.
  TempDir t;
  const fs::path output = t.path / "output", state = t.path / "state";
  const auto ids = make_old_state(output);
  const auto m = migrate_legacy_state(output, state, StateMigrationOptions{.force_copy = true});
  BOOST_TEST((m.action == Action::copied));
  BOOST_TEST(m.message == "moved the daemon state from " + (output / ".daemon").string() + " to " + state.string() +
                              " (copied to the other filesystem, then the old folder removed)");
  expect_moved(output, state, ids);
}

BOOST_AUTO_TEST_CASE(across_real_filesystems_when_the_machine_has_two) {
  // /dev/shm is a tmpfs on most Linux machines: another filesystem than TMPDIR's.
  TempDir t;
  struct stat a {}, b {};
  if (::stat(t.path.c_str(), &a) != 0 || ::stat("/dev/shm", &b) != 0 || a.st_dev == b.st_dev ||
      ::access("/dev/shm", W_OK) != 0) {
    BOOST_TEST_MESSAGE("skipped: no second writable filesystem (/dev/shm) beside " << t.path);
    return;
  }
  char pattern[] = "/dev/shm/h2k-state-migration-XXXXXX";
  BOOST_REQUIRE(::mkdtemp(pattern) != nullptr);
  const fs::path shm = pattern;
  const fs::path output = t.path / "output", state = shm / "state";
  const auto ids = make_old_state(output);
  const auto m = migrate_legacy_state(output, state);
  BOOST_TEST((m.action == Action::copied));
  expect_moved(output, state, ids);
  fs::remove_all(shm);
}

BOOST_AUTO_TEST_CASE(when_both_hold_a_database_state_dir_wins_and_the_old_folder_is_left) {
  TempDir t;
  const fs::path output = t.path / "output", state = t.path / "state";
  const auto old_ids = make_old_state(output);
  std::string new_id;
  {
    JobStore store(state / "state.rocksdb");
    NewJob d;
    d.sources = {"new.ova"};
    d.file_type = "ova";
    new_id = store.enqueue(d, 5000).id;
  }
  const auto m = migrate_legacy_state(output, state);
  BOOST_TEST((m.action == Action::legacy_ignored));
  BOOST_TEST(contains(m.message, (output / ".daemon").string()), m.message);
  BOOST_TEST(contains(m.message, "using " + state.string() + "; the old folder is ignored"), m.message);
  // Nothing moved, nothing merged.
  BOOST_TEST(fs::exists(output / ".daemon/state.rocksdb"));
  BOOST_TEST(fs::exists(output / ".daemon/stats.json"));
  BOOST_TEST(!fs::exists(state / "stats.json"));
  JobStore store(state / "state.rocksdb");
  BOOST_TEST(store.get(new_id).has_value());
  BOOST_TEST(store.list(JobState::Done).empty());
}

BOOST_AUTO_TEST_CASE(nothing_to_do_without_an_old_database) {
  TempDir t;
  const fs::path output = t.path / "output", state = t.path / "state";
  BOOST_TEST((migrate_legacy_state(output, state).action == Action::none));  // no output_dir yet
  fs::create_directories(output / ".daemon");
  write_file(output / ".daemon/stats.json", "{}");
  const auto m = migrate_legacy_state(output, state);
  BOOST_TEST((m.action == Action::none));
  BOOST_TEST(m.message.empty());
  BOOST_TEST(fs::exists(output / ".daemon/stats.json"), "left alone");
  BOOST_TEST(!fs::exists(state), "not even created: the daemon does that");
}

BOOST_AUTO_TEST_CASE(nothing_to_do_when_state_dir_is_the_old_folder) {
  TempDir t;
  const fs::path output = t.path / "output";
  const auto ids = make_old_state(output);
  for (const fs::path& state : {output / ".daemon", output / "x/../.daemon/"}) {
    BOOST_TEST((migrate_legacy_state(output, state).action == Action::none));
    BOOST_TEST(fs::exists(output / ".daemon/state.rocksdb"));
  }
  expect_jobs_in(output / ".daemon", ids);
}

BOOST_AUTO_TEST_CASE(an_interrupted_copy_is_finished_by_the_next_start) {
  // A copy killed midway: stats.json already moved, a partial temporary
  // database copy in state_dir, the database still in the old folder.
  TempDir t;
  const fs::path output = t.path / "output", state = t.path / "state";
  const auto ids = make_old_state(output);
  fs::create_directories(state / ".state.rocksdb.migrating");
  write_file(state / ".state.rocksdb.migrating/000001.log", "half a copy");
  fs::rename(output / ".daemon/stats.json", state / "stats.json");
  const auto m = migrate_legacy_state(output, state, StateMigrationOptions{.force_copy = true});
  BOOST_TEST((m.action == Action::copied));
  expect_moved(output, state, ids);
}

BOOST_AUTO_TEST_CASE(a_failure_leaves_the_old_folder_as_the_state) {
  TempDir t;
  const fs::path output = t.path / "output", state = t.path / "state";
  const auto ids = make_old_state(output);
  fs::create_directories(state / "stats.json");  // in the way: a folder where a file goes
  for (bool force_copy : {false, true}) {
    const auto err = error_of_migration(output, state, StateMigrationOptions{.force_copy = force_copy});
    BOOST_TEST(contains(err, "cannot move the daemon state from " + (output / ".daemon").string() + " to " +
                                 state.string() + ": " + (state / "stats.json").string() + " already exists"),
               err);
    BOOST_TEST(fs::exists(output / ".daemon/state.rocksdb"));
    BOOST_TEST(!fs::exists(state / "state.rocksdb"));
  }
  expect_jobs_in(output / ".daemon", ids);
}

BOOST_AUTO_TEST_CASE(an_old_database_open_in_another_process_is_not_moved) {
  // RocksDB holds an fcntl lock on <db>/LOCK while open (a daemon of the
  // previous version still running); a child process takes that lock.
  TempDir t;
  const fs::path output = t.path / "output", state = t.path / "state";
  const auto ids = make_old_state(output);
  const std::string lock_file = (output / ".daemon/state.rocksdb/LOCK").string();
  int ready[2];
  BOOST_REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    const int fd = ::open(lock_file.c_str(), O_RDWR);
    struct flock l {};
    l.l_type = F_WRLCK;
    l.l_whence = SEEK_SET;
    const char ok = fd >= 0 && ::fcntl(fd, F_SETLK, &l) == 0 ? '1' : '0';
    (void)!::write(ready[1], &ok, 1);
    ::pause();
    ::_exit(0);
  }
  char ok = 0;
  BOOST_REQUIRE(::read(ready[0], &ok, 1) == 1);
  BOOST_REQUIRE(ok == '1');
  const auto err = error_of_migration(output, state);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ::close(ready[0]);
  ::close(ready[1]);
  BOOST_TEST(contains(err, "its state database is open in another process"), err);
  BOOST_TEST(fs::exists(output / ".daemon/state.rocksdb"));
  // Once that process is gone, the move goes through.
  BOOST_TEST((migrate_legacy_state(output, state).action == Action::renamed));
  expect_moved(output, state, ids);
}

BOOST_AUTO_TEST_SUITE_END()
