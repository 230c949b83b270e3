#include "actors/common/error_report.hpp"

#include <cstdio>
#include <system_error>

#include "actors/common/failure_suggestion.hpp"
#include "actors/common/iso_time.hpp"
#include "actors/common/rounding.hpp"
#include "engine/core/error.hpp"
#include "engine/core/fs.hpp"

namespace h2k {
namespace {

using nlohmann::json;

json gb_or_null(const std::optional<std::uint64_t>& bytes) { return bytes ? json(size_gb(*bytes)) : json(nullptr); }

// suggest_fix() plus what only the report knows: the free space a full disk
// has now (the guide quotes it: "Current free space: 2.1GB") and whether the
// daemon will try again by itself.
std::string suggestion_for(const FailureContext& ctx, const SystemInfo& host) {
  std::string s = suggest_fix(ctx.error_kind, ctx.error);
  if (ctx.error_kind == "no_space" && host.disk_free_bytes && !ctx.output_dir.empty()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(*host.disk_free_bytes) / kBytesPerGiB);
    s += " Free space now on " + ctx.output_dir.string() + ": " + buf + " GB.";
  }
  if (ctx.next_retry_at_ms > 0)
    s += " The daemon retries it at " + iso8601_utc_seconds(ctx.next_retry_at_ms) + " (retry " +
         std::to_string(ctx.retry_count + 1) + " of " + std::to_string(ctx.max_retries) + ").";
  else if (ctx.max_retries > 0 && ctx.retry_count >= ctx.max_retries)
    s += " All " + std::to_string(ctx.max_retries) +
         " retries are used up: fix the cause, then queue the file again.";
  return s;
}

}  // namespace

nlohmann::json build_error_report(const FailureContext& ctx, const SystemInfo& host) {
  json system_info = {
      {"disk_space_free_gb", gb_or_null(host.disk_free_bytes)},
      {"disk_space_path", ctx.output_dir.empty() ? json(nullptr) : json(ctx.output_dir.string())},
      {"memory_available_gb", gb_or_null(host.memory_available_bytes)},
      {"hostname", host.hostname},
      {"kernel", host.kernel},
      {"hyper2kvm_version", hyper2kvm_version()},
  };
  json retry_info = {
      {"retry_count", ctx.retry_count},
      {"max_retries", ctx.max_retries},
      {"next_retry_at", ctx.next_retry_at_ms > 0 ? json(iso8601_utc_seconds(ctx.next_retry_at_ms)) : json(nullptr)},
      {"will_retry", ctx.next_retry_at_ms > 0},
  };
  return json{
      {"filename", ctx.file.filename().string()},
      {"filepath", ctx.file.string()},
      {"file_size_mb", size_mb(ctx.file_size)},
      {"file_size_bytes", ctx.file_size},
      {"timestamp", iso8601_utc(ctx.at_ms)},
      {"error", ctx.error},
      {"error_kind", ctx.error_kind},
      {"phase", ctx.phase},
      {"log_tail", ctx.log_tail},
      {"details", ctx.details},
      {"suggestion", suggestion_for(ctx, host)},
      {"system_info", std::move(system_info)},
      {"retry_info", std::move(retry_info)},
      {"job_id", ctx.job_id},
  };
}

nlohmann::json build_error_report(const FailureContext& ctx) {
  return build_error_report(ctx, collect_system_info(ctx.output_dir));
}

std::filesystem::path publish_error_report(const std::filesystem::path& errors_dir, const std::string& filename,
                                           const nlohmann::json& report) {
  const std::filesystem::path target = errors_dir / (filename + ".error.json");
  if (filename.empty() || filename == "." || filename == ".." || filename.find('/') != std::string::npos ||
      filename.find('\0') != std::string::npos)
    throw ConversionError(ErrorKind::Internal, target.string(),
                          "cannot write an error report for '" + filename + "': not a plain file name");
  std::error_code ec;
  std::filesystem::create_directories(errors_dir, ec);
  if (ec)
    throw ConversionError(ErrorKind::Io, errors_dir.string(), "cannot create the error report folder: " + ec.message());
  atomic_write_file(target, report.dump(2) + "\n");
  fsync_dir(errors_dir);  // the report must survive a crash right after the failure it explains
  return target;
}

}  // namespace h2k
