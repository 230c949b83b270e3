#include "engine/pipeline/convert.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include "engine/core/error.hpp"
#include "engine/core/fs.hpp"
#include "engine/core/subprocess.hpp"
#include "engine/guest/guest_fix_runner.hpp"
#include "engine/inputs/source_loader.hpp"
#include "engine/output/domain_xml.hpp"
#include "engine/pipeline/domain_hardware.hpp"
#include "engine/pipeline/verify_phase.hpp"

namespace h2k {
namespace {

using Clock = std::chrono::steady_clock;

std::string iso_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Locally administered, KVM-style MAC for guests whose source gave none, so the
// guest fixer and the domain agree on one address.
std::string generated_mac() {
  std::random_device rd;
  char buf[18];
  std::snprintf(buf, sizeof buf, "52:54:00:%02x:%02x:%02x", rd() & 0xff, rd() & 0xff, rd() & 0xff);
  return buf;
}

// Runs one phase, recording its time and tagging any error with the phase.
template <class F>
auto run_phase(const std::string& phase, ConversionResult& result, F&& body) {
  auto start = Clock::now();
  auto record = [&] {
    result.timings.push_back({phase, std::chrono::duration<double>(Clock::now() - start).count()});
  };
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      record();
    } else {
      auto value = body();
      record();
      return value;
    }
  } catch (const PhaseError&) {
    throw;
  } catch (const ConversionError& e) {
    throw PhaseError(e, phase);
  } catch (const std::exception& e) {
    throw PhaseError(ConversionError(ErrorKind::Internal, "", e.what()), phase);
  }
}

void emit(const ProgressSink& progress, const std::string& phase, const std::string& message, double percent = 0) {
  if (!progress) return;
  ProgressEvent ev;
  ev.phase = phase;
  ev.message = message;
  ev.percent = percent;
  progress(ev);
}

// Combines per-disk copy progress into one figure across all disks, weighted
// by virtual size, so a 2-disk VM shows one steady bar.
class CopyProgressAggregator {
public:
  CopyProgressAggregator(const ProgressSink& sink, std::uint64_t total) : sink_(sink), total_(total) {}
  ProgressSink for_disk(std::uint64_t done_before, std::string item) {
    return [this, done_before, item](const ProgressEvent& ev) {
      if (!sink_) return;
      ProgressEvent out = ev;
      out.phase = "copy";
      out.item = item;
      out.bytes_total = total_;
      out.bytes_done = done_before + ev.bytes_done;
      out.percent = total_ ? 100.0 * static_cast<double>(out.bytes_done) / static_cast<double>(total_) : ev.percent;
      if (ev.rate_bytes_per_s > 0)
        out.eta_s = static_cast<double>(total_ - std::min(total_, out.bytes_done)) / ev.rate_bytes_per_s;
      sink_(out);
    };
  }

private:
  const ProgressSink& sink_;
  std::uint64_t total_;
};

}  // namespace

ConversionResult convert_vm(const ConvertRequest& request, const ProgressSink& progress, const CancelToken& cancel) {
  ConversionResult result;
  result.started_at = iso_now();

  // 1. Inputs: what is this, and is every part of it present and sane?
  result.source = run_phase("probe", result, [&] {
    emit(progress, "probe", "reading " + request.source.string());
    LoadOptions lo;
    lo.verify_manifest = request.verify_manifest;
    lo.name_override = request.name_override;
    SourceVm vm = load_source(request.source, lo);
    for (auto& d : vm.disks)
      if (d.virtual_size == 0) d.virtual_size = query_virtual_size(d, request.copy.qemu_img);
    return vm;
  });
  SourceVm& vm = result.source;
  for (auto& w : vm.warnings) result.warnings.push_back(w);
  if (vm.disks.empty())
    throw PhaseError(ConversionError(ErrorKind::InvalidInput, request.source.string(), "the VM has no disks"), "probe");

  // Guests are pinned to their NIC's MAC; a source without NIC metadata gets one
  // generated MAC shared by the guest fixer and the domain.
  const bool nics_synthesized = vm.nics.empty();
  if (nics_synthesized) {
    SourceNic nic;
    nic.mac = generated_mac();
    nic.model = "virtio";
    vm.nics.push_back(nic);
  }

  std::uint64_t total_virtual = 0, total_stored = 0;
  for (auto& d : vm.disks) {
    total_virtual += d.virtual_size;
    total_stored += d.stored_size;
  }
  std::uint64_t free_bytes = free_space(request.output_dir);
  if (free_bytes < total_stored)
    result.warnings.push_back("output filesystem has " + std::to_string(free_bytes >> 20) + " MiB free; the source disks hold " +
                              std::to_string(total_stored >> 20) + " MiB: the copy may run out of space");

  // 2. Everything is written into a staging folder that is only renamed into
  // place when complete and checked; on any error it is removed.
  StagingDir staging(request.output_dir, vm.name, request.staging_tag);
  fs::path final_dir = staging.final_path();
  if (fs::exists(final_dir))
    throw PhaseError(ConversionError(ErrorKind::InvalidInput, final_dir.string(),
                                     "output already exists; remove it or choose another --output-dir or --name"),
                     "probe");
  const std::string ext = request.copy.format == OutputFormat::Qcow2 ? ".qcow2" : ".raw";

  run_phase("copy", result, [&] {
    CopyProgressAggregator agg(progress, total_virtual);
    std::uint64_t done = 0;
    std::size_t i = 0;
    for (auto& d : vm.disks) {
      cancel.throw_if_cancelled(request.source.string());
      ++i;
      std::string file = vm.name + "-" + d.id + ext;
      std::string item = "disk " + std::to_string(i) + "/" + std::to_string(vm.disks.size()) + ": " +
                         d.display_path.filename().string();
      CopyResult cr;
      try {
        cr = copy_disk(d, staging.path() / file, request.copy, agg.for_disk(done, item), cancel);
      } catch (const ConversionError& e) {
        if (e.kind() != ErrorKind::NoSpace) throw;
        throw ConversionError(e.kind(), request.output_dir.string(), e.reason() + " (writing " + file + ")");
      }
      done += d.virtual_size;
      OutputDisk od;
      od.id = d.id;
      // Where the domain's host will find the disk (the files are written here).
      od.path = (request.domain_output_dir.empty() ? final_dir : request.domain_output_dir / final_dir.filename()) / file;
      od.format = to_string(request.copy.format);
      od.virtual_size = cr.virtual_size ? cr.virtual_size : d.virtual_size;
      od.source = d.display_path.string();
      result.disks.push_back(od);
    }
  });

  // 3. Guest conversion, isolated in a child process with launch/overall deadlines.
  GuestFixOptions guest_opts = request.guest;
  guest_opts.nics = vm.nics;
  if (guest_opts.enabled) {
    result.guest = run_phase("guest", result, [&] {
      std::vector<DiskForFix> disks;
      for (auto& od : result.disks) disks.push_back({staging.path() / od.path.filename(), od.format});
      try {
        return run_guest_fix_isolated(disks, guest_opts, progress, cancel, request.self_exe,
                                      std::chrono::seconds(request.guest_fix_timeout_s));
      } catch (const ConversionError& e) {
        // The staged copy is an internal name that disappears with the error:
        // name the VM file the operator gave us instead.
        throw ConversionError(e.kind(), request.source.string(), e.reason());
      }
    });
  } else {
    result.guest.fixes_applied = false;
    result.guest.skip_reason = "guest fixes disabled by the operator";
    result.warnings.push_back("guest fixes disabled: disks copied unchanged; the guest may not boot on virtio");
  }
  for (auto& w : result.guest.warnings) result.warnings.push_back(w);
  if (nics_synthesized) {
    // No VM metadata: the MACs the guest itself pins are the source MACs.
    if (!result.guest.guest_config_macs.empty()) {
      vm.nics.clear();
      std::string list;
      for (auto& mac : result.guest.guest_config_macs) {
        vm.nics.push_back({mac, "virtio", ""});
        list += (list.empty() ? "" : ", ") + mac;
      }
      result.warnings.push_back("the source describes no network card; using the MAC(s) the guest's network "
                                "configuration names: " + list);
    } else {
      result.warnings.push_back("the source describes no network card; added one virtio NIC with MAC " +
                                vm.nics.front().mac);
    }
  }

  // 4. Integrity of what we are about to publish.
  run_phase("check", result, [&] {
    emit(progress, "check", "checking converted disks");
    for (auto& od : result.disks) {
      cancel.throw_if_cancelled(request.source.string());
      fs::path staged = staging.path() / od.path.filename();
      check_image(staged, request.copy.format, request.copy.qemu_img, od.virtual_size);
      od.allocated_bytes = allocated_bytes(staged);
    }
  });

  // 5. Optional: boot the staged disks (through overlays) exactly as the domain will.
  const DomainSpec spec = domain_spec_for(vm, result.guest, result.disks);
  if (request.verify_boot) {
    result.verify_boot = run_phase("verify", result, [&] {
      return verify_staged_boot(spec, request, staging.path(), progress, cancel);
    });
    if (result.verify_boot->status != "passed")
      result.warnings.push_back("verification boot inconclusive: " + result.verify_boot->reason);
  }

  // 6. Domain XML and report, then publish.
  run_phase("output", result, [&] {
    emit(progress, "output", "writing domain XML and report");
    std::string xml = render_domain_xml(spec);
    result.domain_xml = final_dir / (vm.name + ".xml");
    fs::path staged_xml = staging.path() / result.domain_xml.filename();
    atomic_write_file(staged_xml, xml);
    if (request.validate_xml && fs::exists("/usr/bin/virt-xml-validate")) {
      auto r = run_subprocess({"virt-xml-validate", staged_xml.string(), "domain"});
      if (!r.ok())
        throw ConversionError(ErrorKind::Internal, result.domain_xml.string(),
                              "generated domain XML does not validate: " + tail_lines(r.err + r.out, 5));
      result.xml_validated = true;
    }
    result.vm_dir = final_dir;
    result.report_path = final_dir / "report.json";
    result.finished_at = iso_now();
    atomic_write_file(staging.path() / "report.json", build_report(result, request).dump(2) + "\n");
    cancel.throw_if_cancelled(request.source.string());
    const auto staged = staging.files();
    if (request.before_publish) request.before_publish();
    // The permission may take a while (a coordinator restarting): what was
    // staged must still all be there, or a folder missing its disks would
    // be published (a staging folder removed by another process meanwhile).
    staging.require_files(staged);
    staging.commit();
    if (request.after_publish) request.after_publish();
  });

  // 7. Optional: define in libvirt. The output is complete and published
  // either way; a define failure is reported, not hidden.
  if (request.define) {
    try {
      result.domain_uuid = run_phase("define", result, [&] {
        return define_domain(read_text_file(result.domain_xml), request.connect_uri);
      });
      result.defined = true;
    } catch (const ConversionError& e) {
      result.define_error = e.what();
    }
    result.finished_at = iso_now();
    atomic_write_file(result.report_path, build_report(result, request).dump(2) + "\n");
  }
  return result;
}

}  // namespace h2k
