#pragma once
// The exporter's work without actors: what an export job asks for (parsed
// from job_assignment.export_request), where its files go, how progress is
// told and how a failure is classified for retries. Tested without CAF.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/vsphere/export_session.hpp"
#include "messages/messages.hpp"
#include "storage/job.hpp"

namespace h2k {

struct ExporterSettings {
  std::filesystem::path watch_root;               // exports go to <watch_root>/.exports/<job>-e<epoch>/
  std::filesystem::path credentials_file;         // vsphere.credentials_file ("" = none)
  std::string default_username;                   // vsphere.username
  int parallel_disks = 4;                         // export.parallel_disks
  std::chrono::seconds lease_ready_timeout{600};  // export.lease_ready_timeout
  std::chrono::seconds shutdown_timeout{300};     // export.shutdown_timeout
};

// What one export job asks for: the job's stored ExportSource, plus the
// submitter's password (memory only); empty: the exporter's own credentials.
struct ExportRequest {
  ExportSource source;
  std::string password;
};

// Throws ConversionError(InvalidInput) naming what is missing or malformed.
ExportRequest parse_export_request(const std::string& json);

// <job>-e<epoch>: one folder per lease, so an attempt that lost its lease
// never writes into the current attempt's files.
std::filesystem::path export_folder(const std::string& job_id, std::uint64_t epoch);  // ".exports/<job>-e<epoch>"

// The job's sources after the export, relative to the watch root: the
// export manifest first (the engine's input), then the OVF and the files.
std::vector<std::string> exported_sources(const vsphere::ExportResult& r, const std::filesystem::path& watch_root);

// One line per file, "<name> <bytes_done> <bytes_total>" (0 = not known),
// as `hyperctl convert --follow` draws its bars.
std::string progress_message(const vsphere::ExportProgress& p);

// The error kind an export failure is retried by: vSphere refusing (bad
// login, no such VM, powered on) is the request's fault, not retried; no
// answer, a dropped connection or a timeout is retried.
struct ClassifiedError {
  ErrorKind kind = ErrorKind::Internal;
  std::string message;
};
ClassifiedError classify_export_error(const std::exception& e);

}  // namespace h2k
