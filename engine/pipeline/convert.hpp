#pragma once
// The conversion pipeline: load -> copy -> guest fix -> check -> (verify boot)
// -> domain XML -> report -> publish (-> define). Plain functions over the engine's small
// types; the CLI and the daemon's converter actor both call convert_vm().
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/copy/disk_copier.hpp"
#include "engine/core/error.hpp"
#include "engine/core/progress.hpp"
#include "engine/guest/guest_fix.hpp"
#include "engine/inputs/source_vm.hpp"
#include "engine/verify/boot_verifier.hpp"

namespace h2k {

struct ConvertRequest {
  std::filesystem::path source;
  std::filesystem::path output_dir;        // the VM lands in output_dir/<name>/
  // output_dir as the hosts that run the domain see it (a share mounted
  // elsewhere there): the domain XML's disk paths use it; empty: output_dir.
  std::filesystem::path domain_output_dir;
  std::string name_override;
  bool verify_manifest = true;
  CopyOptions copy;
  GuestFixOptions guest;
  int guest_fix_timeout_s = 3 * 3600;
  std::filesystem::path self_exe;          // binary that implements `__guest-fix` (isolation)
  bool define = false;
  std::string connect_uri = "qemu:///system";
  bool validate_xml = true;                // run virt-xml-validate when installed
  // Boot the converted guest (on overlays) before publishing; a guest that
  // does not reach its default target fails the conversion (GuestFix).
  bool verify_boot = false;
  int verify_boot_timeout_s = 300;
  std::string verify_boot_accel = "auto";  // auto, kvm or tcg
  // Names the staging folder ".<name>.partial-<tag>" ("" = "<pid>-<n>", for
  // the CLI). The daemon passes "<job>.e<epoch>.<instance>" so that a
  // start-up sweep can tell its own dead attempts from live ones.
  std::string staging_tag;
  // The daemon's node converting it, named in the report ("" = the CLI: the
  // report's host says where it ran). In a cluster, hosts may share a name
  // (or a host run several nodes): the node is what hyperctl shows.
  std::string node;
  // Called once the staging folder is complete and checked, just before the
  // rename that publishes it; throwing stops the publish (the staging folder
  // is removed). The daemon asks its scheduler for permission here (fenced
  // publish: a stale lease must never publish).
  std::function<void()> before_publish;
  // Called right after the rename (the output is published).
  std::function<void()> after_publish;
};

struct OutputDisk {
  std::string id;
  std::filesystem::path path;
  std::string format;
  std::uint64_t virtual_size = 0;
  std::uint64_t allocated_bytes = 0;
  std::string source;                      // display path of the source disk
};

struct PhaseTiming {
  std::string phase;
  double seconds = 0;
};

struct ConversionResult {
  SourceVm source;
  GuestFixReport guest;
  std::vector<OutputDisk> disks;
  std::filesystem::path vm_dir;            // published folder
  std::filesystem::path domain_xml;
  std::filesystem::path report_path;
  bool xml_validated = false;
  bool defined = false;
  std::string domain_uuid;
  std::string define_error;                // set when --define failed after publishing
  std::vector<std::string> warnings;
  std::vector<PhaseTiming> timings;
  std::optional<BootVerification> verify_boot;   // set when request.verify_boot
  std::string started_at;                  // ISO 8601 UTC
  std::string finished_at;
};

// Runs the whole conversion. On any error nothing is left under output_dir
// (the staging folder is removed) and the source is untouched. Throws
// ConversionError; the exception's phase is available via current_phase in
// the thrown PhaseError wrapper (see below).
ConversionResult convert_vm(const ConvertRequest& request, const ProgressSink& progress, const CancelToken& cancel);

// A ConversionError that also says which pipeline phase failed.
class PhaseError : public ConversionError {
public:
  PhaseError(const ConversionError& cause, std::string phase)
      : ConversionError(cause.kind(), cause.file(), cause.reason()), phase_(std::move(phase)) {
    with_details(cause.details());
  }
  const std::string& phase() const noexcept { return phase_; }

private:
  std::string phase_;
};

// report.json contents (also printed by `hyper2kvm convert --json`).
nlohmann::json build_report(const ConversionResult& result, const ConvertRequest& request);

// The JSON printed for a failed conversion.
nlohmann::json build_error_report(const ConvertRequest& request, const ConversionError& error,
                                  const std::string& phase);

}  // namespace h2k
