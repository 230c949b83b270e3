#include "actors/converter/conversion_task.hpp"

#include <chrono>

#include "engine/inputs/source_loader.hpp"

namespace h2k {

std::filesystem::path source_path(const ConverterSettings& s, const msg::job_assignment& job) {
  if (job.sources.empty()) return s.watch_root;
  if (job.source_root == "external") return job.sources.front();
  return s.watch_root / job.sources.front();
}

ConvertRequest make_convert_request(const ConverterSettings& s, const msg::job_assignment& job) {
  ConvertRequest req;
  req.source = source_path(s, job);
  req.output_dir = s.output_root / job.output_subdir;
  req.staging_tag = job.staging_tag;
  req.node = msg::node_of_holder(job.holder);
  req.verify_manifest = true;
  req.copy.format = s.conversion.output_format;
  req.guest.enabled = s.conversion.guest_fixes;
  req.guest.vmware_tools = s.conversion.vmware_tools;
  req.guest.rebuild_initramfs = s.conversion.rebuild_initramfs;
  req.guest.virtio_win_dir = s.conversion.virtio_win_dir;
  req.guest.windows_requires_virtio_win = s.windows_requires_virtio_win;
  req.guest.guestfs = s.conversion.libguestfs;
  req.guest_fix_timeout_s = s.guest_fix_timeout_s;
  req.self_exe = s.self_exe;
  // The daemon publishes files; a domain is defined only for a job that
  // asked for it (hyperctl convert --define), on conversion.libvirt_uri.
  req.define = job.define_domain;
  req.connect_uri = s.conversion.libvirt_uri;
  req.verify_boot = s.conversion.verify_boot;
  req.verify_boot_timeout_s = s.conversion.verify_boot_timeout_s;
  req.verify_boot_accel = to_string(s.conversion.verify_boot_accel);
  return req;
}

std::string source_vm_name(const ConvertRequest& request) {
  LoadOptions options;
  options.verify_manifest = false;  // convert_vm verifies; here only the name is wanted
  options.name_override = request.name_override;
  return load_source(request.source, options).name;
}

double job_percent(const ProgressEvent& e) {
  struct Span { const char* phase; double from, to; };
  // Rough shares of a typical conversion's time: the copy and the guest
  // fixes (appliance launch, initramfs rebuild) dominate.
  static constexpr Span spans[] = {{"probe", 0, 2},   {"load", 0, 2},    {"copy", 2, 60},
                                   {"inspect", 60, 65}, {"fix", 65, 93},  {"guest", 60, 93},
                                   {"check", 93, 95}, {"verify", 95, 97}, {"output", 97, 100}};
  double pct = std::clamp(e.percent, 0.0, 100.0);
  for (const auto& s : spans)
    if (e.phase == s.phase) return s.from + (s.to - s.from) * pct / 100.0;
  return -1;  // unknown phase: caller keeps the previous figure
}

void LogTail::add(std::string line) {
  if (line.empty()) return;
  lines_.push_back(std::move(line));
  while (lines_.size() > max_) lines_.pop_front();
}

std::string relative_to(const std::filesystem::path& p, const std::filesystem::path& root) {
  if (p.empty()) return std::string();
  auto rel = p.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") return p.string();
  return rel.string();
}

void set_failure(msg::job_outcome& out, const ConversionError& e, const std::string& phase) {
  out.status = e.kind() == ErrorKind::Cancelled ? "cancelled" : "failed";
  out.error_kind = to_string(e.kind());
  out.error_file = e.file();
  out.error = e.what();
  out.phase = phase;
  out.error_details = e.details();
  // The one capability the engine can find missing is Windows drivers
  // (GuestFixOptions::windows_requires_virtio_win).
  if (e.kind() == ErrorKind::MissingCapability) out.needs = {msg::kCapabilityVirtioWin};
}

msg::job_outcome run_conversion(const ConvertRequest& request, const std::string& job_id,
                                const std::filesystem::path& output_root,
                                const std::function<void(const msg::job_progress&)>& progress,
                                const CancelToken& cancel, LogTail& log) {
  msg::job_outcome out;
  out.job_id = job_id;
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };

  double last_percent = 0;
  std::string last_phase;
  auto sink = [&](const ProgressEvent& e) {
    if (e.phase != last_phase) {
      log.add("phase " + e.phase + (e.item.empty() ? "" : ": " + e.item));
      last_phase = e.phase;
    }
    if (!e.message.empty()) log.add(e.phase + ": " + e.message);
    double pct = job_percent(e);
    if (pct >= 0) last_percent = std::max(last_percent, pct);
    msg::job_progress p;
    p.job_id = job_id;
    p.phase = e.phase;
    p.percent = last_percent;
    p.bytes_done = e.bytes_done;
    p.bytes_total = e.bytes_total;
    p.rate_bps = e.rate_bytes_per_s;
    p.eta_s = e.eta_s;
    p.message = e.message.empty() ? e.item : e.message;
    if (progress) progress(p);
  };

  auto fail = [&](const ConversionError& e, const std::string& phase) {
    set_failure(out, e, phase);
    log.add("error: " + std::string(e.what()));
  };

  try {
    log.add("converting " + request.source.string());
    ConversionResult res = convert_vm(request, sink, cancel);
    out.status = "succeeded";
    out.output_path = relative_to(res.vm_dir, output_root);
    for (const auto& d : res.disks) out.bytes_converted += d.allocated_bytes;
    out.warnings = res.warnings;
    log.add("published " + out.output_path);
    if (request.define && res.defined) log.add("domain defined on " + request.connect_uri);
    // The files are published either way: a refused define is a warning (the
    // operator can `virsh define` the XML), not a failed conversion.
    if (request.define && !res.defined)
      out.warnings.push_back("the domain was not defined on " + request.connect_uri + ": " + res.define_error);
  } catch (const PhaseError& e) {
    fail(e, e.phase());
  } catch (const ConversionError& e) {
    fail(e, last_phase);
  } catch (const std::exception& e) {
    fail(ConversionError(ErrorKind::Internal, request.source.string(), e.what()), last_phase);
  }
  out.duration_s = elapsed();
  out.log_tail = log.lines();
  return out;
}

}  // namespace h2k
