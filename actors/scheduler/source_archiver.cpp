#include "actors/scheduler/source_archiver.hpp"

#include <exception>
#include <system_error>

#include <caf/all.hpp>

#include "actors/cluster/share_marker.hpp"
#include "actors/scheduler/source_files.hpp"

namespace h2k {
namespace fs = std::filesystem;

namespace {

// Why the share is not the one expected here ("" when it is, or unchecked).
std::string share_problem(const ArchiveShare& share) {
  return share.id.empty() ? "" : share_mismatch(share.root, share.id);
}

}  // namespace

msg::archive_result archive_job_sources(const fs::path& watch_root, const msg::archive_request& request,
                                        const FaultPlan& faults, spdlog::logger& log, const ArchiveShare& share) {
  msg::archive_result result;
  result.job_id = request.job_id;
  try {
    // "done" is durable before this runs: the scheduler sends the request
    // after its group commit (or at start-up, after recovery synced).
    faults.exit_if_at("after_done_commit", request.job_id);
    if (auto problem = share_problem(share); !problem.empty()) {
      result.error = "the share is not usable here, nothing moved: " + problem;
      return result;
    }
    result.moved = move_sources(watch_root, request.sources, watch_root / request.archive_dir,
                                [&](const std::string&) { faults.exit_if_at("mid_archive", request.job_id); });
    // Gone during the moves: those it "did not find" may still be in the
    // queue. Tried again later (moved files are skipped then).
    if (auto problem = share_problem(share); !problem.empty()) {
      result.error = "the share went away during the moves: " + problem;
      return result;
    }
    if (!result.moved.empty()) log.info("job {}: sources archived to {}", request.job_id, request.archive_dir);
    if (!request.export_dir.empty()) {
      // The export folder is left with empty folders only (its files moved
      // with the sources): remove it, unless something else is in it.
      const fs::path dir = watch_root / request.export_dir;
      std::error_code ec;
      bool has_files = false;
      for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (!it->is_directory()) has_files = true;
      if (!has_files) fs::remove_all(dir, ec);
    }
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  return result;
}

msg::archiver_actor::behavior_type source_archiver_fn(msg::archiver_actor::pointer self, caf::actor owner,
                                                      fs::path watch_root, FaultPlan faults,
                                                      std::shared_ptr<spdlog::logger> log, ArchiveShare share) {
  self->monitor(owner);
  self->set_down_handler([=](caf::down_msg&) { self->quit(); });
  return {
      [=](const msg::archive_batch& batch) {
        msg::archive_report report;
        report.jobs.reserve(batch.jobs.size());
        for (const auto& request : batch.jobs) report.jobs.push_back(archive_job_sources(watch_root, request, faults, *log, share));
        return report;
      },
  };
}

}  // namespace h2k
