#pragma once
// A job as the control socket shows it (list-jobs, job-status, ...): the
// stored record plus what only the running daemon knows (live progress,
// position in the queue). Times are ISO 8601 strings, paths as stored.
#include <optional>

#include <nlohmann/json.hpp>

#include "messages/messages.hpp"
#include "storage/job.hpp"

namespace h2k {

nlohmann::json job_view(const Job& job, const msg::job_progress* progress, std::optional<std::size_t> queue_position);

}  // namespace h2k
