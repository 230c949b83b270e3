// Writes a deterministic stream of job transitions into a JobStore and, after
// each one has returned (is acknowledged), prints "<id> <state>" on stdout.
//   crash_writer <db> forever      until killed
//   crash_writer <db> exit <n>     _exit(0) after n transitions, the store never closed
//   ... group                      as the daemon: group commit (sync_writes off),
//                                  each transition acknowledged after sync()
// Used by tests/unit/storage/job_store_crash_test.cpp.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "storage/job_store.hpp"

using namespace h2k;

namespace {

void ack(const Job& job) {
  const std::string line = job.id + " " + to_string(job.state) + "\n";
  // write(2) straight to the pipe: no stdio buffer to lose on SIGKILL/_exit.
  if (::write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::_Exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const bool forever = std::strcmp(argv[2], "forever") == 0;
  const long limit = (!forever && argc > 3) ? std::atol(argv[3]) : 0;
  const bool group = std::strcmp(argv[argc - 1], "group") == 0;
  JobStoreOptions options;
  options.sync_writes = !group;
  auto* store = new JobStore(argv[1], options);  // never deleted: the process dies with it open
  long done = 0;
  auto step = [&](const Job& job) {
    if (group) store->sync();  // the daemon acts on a transition only after this
    ack(job);
    if (!forever && ++done >= limit) ::_exit(0);
  };
  for (long i = 0;; ++i) {
    const std::int64_t now = 1'000'000 + i;
    NewJob d;
    d.source_root = kWatchRoot;
    d.sources = {"vm" + std::to_string(i) + ".vmdk"};
    d.file_type = "vmdk";
    d.priority = static_cast<JobPriority>(i % 3);
    d.dedup_key = "name_size:vm" + std::to_string(i) + ".vmdk:" + std::to_string(i);
    step(store->enqueue(d, now));
    if (i % 2 == 1) continue;  // the queue grows: claims lag behind enqueues
    auto job = store->claim_next_ready(now, "writer/slot-1");
    if (!job) continue;
    step(*job);
    switch (i % 8) {  // outcomes; some jobs stay running
      case 0: step(store->mark_done(job->id, now)); break;
      case 2: step(store->mark_retry_wait(job->id, {ErrorKind::Io, "transient", "copy"}, now)); break;
      case 4: step(store->mark_failed(job->id, {ErrorKind::InvalidInput, "bad", "probe"}, now)); break;
      default: break;
    }
  }
}
