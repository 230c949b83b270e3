#pragma once
// Archiving a done job's sources: the file half (moves, no store write), as a
// plain function and as the scheduler's archiver actor, which runs it on its
// own thread. The scheduler records the result (JobStore::mark_archived) when
// the report comes back, so a move that stalls (an NFS server away) holds up
// only archiving, never dispatch, publish answers or node heartbeats.
#include <filesystem>
#include <memory>

#include <caf/actor.hpp>
#include <spdlog/logger.h>

#include "actors/common/fault_injection.hpp"
#include "messages/interfaces.hpp"

namespace h2k {

// The share the moves happen on, in a cluster: its marker must show `id`
// before and after the moves. Why: on an unmounted share every source looks
// gone, and "nothing left to move" would record the job as archived while
// its files stay in the queue, to be taken for a new VM once it is back.
// An empty id: not checked (single host).
struct ArchiveShare {
  std::filesystem::path root;
  std::string id;
};

// Moves the request's sources into its archive folder, then removes the
// export folder if nothing but empty folders is left in it. Never throws:
// a failure is the result's `error` (the files not yet moved stay put).
msg::archive_result archive_job_sources(const std::filesystem::path& watch_root, const msg::archive_request& request,
                                        const FaultPlan& faults, spdlog::logger& log, const ArchiveShare& share = {});

// Detached (blocking file operations): answers each batch with one report,
// in the order of the batch. Leaves when `owner` (the scheduler) is gone.
msg::archiver_actor::behavior_type source_archiver_fn(msg::archiver_actor::pointer self, caf::actor owner,
                                                      std::filesystem::path watch_root, FaultPlan faults,
                                                      std::shared_ptr<spdlog::logger> log, ArchiveShare share);

}  // namespace h2k
