#pragma once
// The .error.json a failed file gets in <watch_dir>/.errors/ (user guide,
// "Enhanced Error Context"): what failed, where, what to do about it, and the
// host state at that moment. Field names follow the guide; `log_tail` (the
// job's last log lines) stands in for its Python `exception_traceback`.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/common/system_info.hpp"

namespace h2k {

struct FailureContext {
  std::filesystem::path file;          // absolute source path
  std::uint64_t file_size = 0;
  std::string error;                   // human-readable reason
  std::string error_kind;              // ErrorKind name, e.g. "invalid_input"
  std::string phase;                   // pipeline phase that failed ("load", "copy", "guest", ...)
  std::vector<std::string> log_tail;
  std::vector<std::string> details;    // lines behind the error (a failed verification boot's console tail)
  int retry_count = 0;                 // retries done so far
  int max_retries = 0;
  std::int64_t next_retry_at_ms = 0;   // unix ms; 0: no retry will follow
  std::int64_t at_ms = 0;              // when it failed, unix ms
  std::filesystem::path output_dir;    // its free space goes into system_info ("" : omitted)
  std::string job_id;
};

// {filename, filepath, file_size_mb, file_size_bytes, timestamp, error,
//  error_kind, phase, log_tail, details, suggestion,
//  system_info {disk_space_free_gb, disk_space_path, memory_available_gb,
//               hostname, kernel, hyper2kvm_version},
//  retry_info {retry_count, max_retries, next_retry_at (null: none), will_retry},
//  job_id}. Unknown figures are null. The suggestion is suggest_fix() plus,
// where they apply, the free space now (no_space) and when the daemon retries
// (or that the retries are used up).
nlohmann::json build_error_report(const FailureContext& ctx, const SystemInfo& host);
// The same with the host state read now (collect_system_info(ctx.output_dir)).
nlohmann::json build_error_report(const FailureContext& ctx);

// Writes <errors_dir>/<filename>.error.json atomically (temp + fsync +
// rename: a reader never sees half a report), creating errors_dir; replaces
// an earlier report for the same file. `filename` must be a plain file name
// (no '/'): the caller flattens nested queue paths as it sees fit. Throws
// ConversionError naming the path and the reason. Returns the path written.
std::filesystem::path publish_error_report(const std::filesystem::path& errors_dir, const std::string& filename,
                                           const nlohmann::json& report);

}  // namespace h2k
