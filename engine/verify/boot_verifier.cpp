#include "engine/verify/boot_verifier.hpp"

#include <cctype>
#include <chrono>
#include <exception>

#include "engine/core/error.hpp"
#include "engine/core/subprocess.hpp"
#include "engine/verify/boot_journal.hpp"
#include "engine/verify/boot_overlay.hpp"
#include "engine/verify/boot_verdict.hpp"
#include "engine/verify/ovmf.hpp"

namespace h2k {
namespace {

// sockaddr_un.sun_path, with its terminating NUL.
constexpr std::size_t kMaxUnixSocketPath = 108;

std::int64_t unix_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void emit(const ProgressSink& progress, const std::string& message) {
  if (!progress) return;
  ProgressEvent ev;
  ev.phase = "verify";
  ev.message = message;
  progress(ev);
}

// The spec without the per-boot paths.
QemuBootSpec boot_spec(const BootVerifyRequest& r, Accel accel) {
  QemuBootSpec spec;
  spec.qemu_binary = r.qemu_binary;
  spec.accel = accel;
  spec.firmware = r.firmware == Firmware::Efi ? Firmware::Efi : Firmware::Bios;
  spec.memory_mib = r.memory_mib;
  spec.vcpus = r.vcpus;
  spec.rtc_localtime = r.rtc_localtime;
  spec.nics = r.nics;
  // A guest may reboot once on its own during its first boot (an SELinux
  // relabel, which the conversion schedules): let it, the timeout bounds loops.
  spec.no_reboot = false;
  return spec;
}

// The UEFI firmware and this boot's own copy of the variable store.
void add_uefi(QemuBootSpec& spec, const std::filesystem::path& scratch, const std::string& subject) {
  auto ovmf = find_ovmf();
  if (!ovmf)
    throw ConversionError(ErrorKind::Internal, subject,
                          "the guest boots with UEFI, and the verification boot needs OVMF (install the ovmf package)");
  spec.ovmf_code = ovmf->code;
  spec.ovmf_vars = scratch / "OVMF_VARS.fd";
  std::error_code ec;
  std::filesystem::copy_file(ovmf->vars, spec.ovmf_vars, ec);
  if (ec)
    throw ConversionError(ErrorKind::Io, spec.ovmf_vars.string(),
                          "cannot copy the UEFI variable store " + ovmf->vars.string() + ": " + ec.message());
}

}  // namespace

nlohmann::json to_json(const BootVerification& v) {
  return {{"status", v.status},
          {"passed", v.passed},
          {"evidence", v.evidence},
          {"evidence_line", v.evidence_line},
          {"reason", v.reason},
          {"accel", v.accel},
          {"firmware", v.firmware},
          {"disk_bus", v.disk_bus},
          {"nic_model", v.nic_model},
          {"seconds", v.seconds},
          {"stopped", v.stopped},
          {"guest_powered_off", v.guest_powered_off},
          {"guest_reboots", v.guest_reboots},
          {"console_tail", v.console_tail},
          {"journal_tail", v.journal_tail}};
}

BootVerification verify_boot(const BootVerifyRequest& request, const ProgressSink& progress,
                             const CancelToken& cancel) {
  if (request.disks.empty()) throw ConversionError(ErrorKind::Internal, request.subject, "verification boot without disks");
  const Accel accel = choose_accel(request.accel, request.guestfs.backend_settings, kvm_usable());
  BootVerification result;
  result.accel = to_string(accel);
  result.firmware = request.firmware == Firmware::Efi ? "efi" : "bios";
  result.disk_bus = request.disks.front().bus;
  result.nic_model = request.nics.empty() ? std::string() : request.nics.front().model;
  const std::string where = "on " + result.disk_bus + " (" + upper(result.accel) + ")";

  ScratchFolder scratch(request.scratch_parent.empty() ? std::filesystem::temp_directory_path()
                                                       : request.scratch_parent);
  QemuBootSpec spec = boot_spec(request, accel);
  std::vector<DiskForFix> overlays;   // for the journal read-back
  for (std::size_t i = 0; i < request.disks.size(); ++i) {
    cancel.throw_if_cancelled(request.subject);
    const BootDisk& d = request.disks[i];
    const auto overlay = scratch.path() / ("disk" + std::to_string(i) + ".qcow2");
    create_overlay(d.path, d.format, overlay, request.qemu_img, cancel);
    spec.disks.push_back({overlay, "qcow2", d.bus});
    overlays.push_back({overlay, "qcow2"});
  }
  if (spec.firmware == Firmware::Efi) add_uefi(spec, scratch.path(), request.subject);
  spec.serial_log = scratch.path() / "console.log";
  spec.qmp_socket = scratch.path() / "qmp.sock";
  if (spec.qmp_socket.string().size() >= kMaxUnixSocketPath)
    throw ConversionError(ErrorKind::Internal, scratch.path().string(),
                          "the scratch folder's path is too long for qemu's control socket (unix sockets take at most " +
                              std::to_string(kMaxUnixSocketPath - 1) + " bytes): set TMPDIR to a shorter folder");
  std::vector<std::string> argv;
  try {
    argv = qemu_boot_argv(spec);
  } catch (const std::invalid_argument& e) {
    throw ConversionError(ErrorKind::Internal, request.subject, std::string("verification boot: ") + e.what());
  }

  const std::string what_boots = "booting the converted guest " + where;
  emit(progress, what_boots);
  const std::int64_t boot_started_us = unix_now_us();
  BootWatch watch(spec.serial_log, spec.qmp_socket, request.timings, progress, what_boots);
  SubprocessOptions sp;
  sp.cancel = cancel;
  // Backstop only: the watch stops qemu long before (timeout + power-off grace + quit).
  sp.timeout = request.timings.timeout + request.timings.shutdown_grace + request.timings.quit_grace +
               std::chrono::seconds(60);
  // An exception must not escape run_subprocess's loop with qemu still
  // running: stop qemu first, rethrow after.
  std::exception_ptr watch_error;
  sp.keep_running = [&] {
    try {
      return watch.tick();
    } catch (...) {
      watch_error = std::current_exception();
      return false;
    }
  };
  sp.die_with_parent = true;
  sp.capture_limit = 16 * 1024;
  SubprocessResult run;
  try {
    run = run_subprocess(argv, sp);
  } catch (const ConversionError& e) {
    throw ConversionError(ErrorKind::Internal, request.subject,
                          "the verification boot needs " + request.qemu_binary + " (package qemu-system-x86): " +
                              e.reason());
  }
  watch.finish();
  if (watch_error) std::rethrow_exception(watch_error);
  if (run.cancelled) throw ConversionError(ErrorKind::Cancelled, request.subject, "verification boot cancelled");
  const bool stopped_by_us = watch.stop_reason() != BootStop::Running || run.stopped_by_watchdog || run.timed_out;
  if (!stopped_by_us && run.exit_code != 0 && watch.console().bytes() == 0)
    throw ConversionError(ErrorKind::Internal, request.subject,
                          "qemu could not run the verification boot (" +
                              (run.term_signal ? "signal " + std::to_string(run.term_signal)
                                               : "exit code " + std::to_string(run.exit_code)) +
                              "): " + tail_lines(run.err + run.out, 5));

  BootObservation obs;
  obs.console = watch.evidence();
  obs.console_silent = !watch.console().os_output();
  obs.stop = run.timed_out ? BootStop::Timeout : watch.stop_reason();
  obs.seconds = watch.seconds();
  obs.timeout_s = static_cast<int>(request.timings.timeout.count());
  obs.where = where;
  if (journal_needed(obs)) {
    emit(progress, "reading the guest's journal of this boot");
    obs.journal = read_boot_journal_isolated(overlays, request.guestfs, boot_started_us, request.self_exe,
                                             std::chrono::seconds(request.guestfs.launch_timeout_s + 180), cancel);
  }
  const BootVerdict verdict = decide_boot(obs);
  result.status = verdict.status;
  result.passed = verdict.status == "passed";
  result.evidence = verdict.evidence;
  result.evidence_line = verdict.evidence_line;
  result.reason = verdict.reason;
  result.seconds = obs.seconds;
  result.stopped = watch.stop_reason() == BootStop::Running ? "guest" : to_string(obs.stop);
  result.guest_powered_off = watch.guest_powered_off();
  result.guest_reboots = watch.guest_reboots();
  result.console_tail = watch.console().tail();
  if (obs.journal) result.journal_tail = obs.journal->tail;
  emit(progress, "verification boot " + result.status + " after " + std::to_string(static_cast<int>(result.seconds)) + " s");
  return result;
}

}  // namespace h2k
