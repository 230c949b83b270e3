// `hyper2kvm export`: options -> credentials, endpoint, session, VM -> export_vm,
// with per-file progress on stderr, SIGINT/SIGTERM cancelling (the lease is
// aborted before we exit) and a summary or JSON result on stdout.
#include "nodes/hyper2kvm/export_command.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/core/error.hpp"
#include "engine/vsphere/credentials.hpp"
#include "engine/vsphere/export_session.hpp"
#include "engine/vsphere/inventory.hpp"
#include "engine/vsphere/vsphere_session.hpp"
#include "nodes/hyper2kvm/exit_codes.hpp"
#include "nodes/hyper2kvm/progress_printer.hpp"

namespace h2k::cli {
namespace {

using namespace h2k::vsphere;

// SIGINT/SIGTERM set the flag the export polls; the export then aborts its
// lease and returns. The flag is shared with the (detached) sigwait thread,
// which may outlive this function.
std::shared_ptr<std::atomic<bool>> cancel_on_signals() {
  auto flag = std::make_shared<std::atomic<bool>>(false);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any other thread starts: they inherit the mask
  std::thread([set, flag] {
    int sig = 0;
    if (sigwait(&set, &sig) == 0) {
      std::fprintf(stderr, "\nhyper2kvm: %s received, cancelling the export and aborting its lease...\n", strsignal(sig));
      flag->store(true);
    }
  }).detach();
  return flag;
}

// One line per file when its percent crosses a tenth (or every 5 s while its
// size is unknown), and when it finishes.
class ExportProgressLines {
public:
  ExportProgressLines(std::FILE* out, bool quiet) : out_(out), quiet_(quiet) {}
  void operator()(const ExportProgress& p) {
    if (quiet_) return;
    for (const ExportFileProgress& f : p.files) {
      State& s = state_[f.name];
      if (s.done_printed) continue;
      const auto now = std::chrono::steady_clock::now();
      std::string line;
      if (f.finished) {
        s.done_printed = true;
        line = f.name + " done, " + human_bytes(static_cast<double>(f.bytes_done));
      } else if (f.bytes_total > 0) {
        const int decile = static_cast<int>(10.0 * static_cast<double>(f.bytes_done) / static_cast<double>(f.bytes_total));
        if (decile == s.decile) continue;
        s.decile = decile;
        char pct[16];
        std::snprintf(pct, sizeof pct, "%3d%%", decile * 10);
        line = f.name + " " + pct + " " + human_bytes(static_cast<double>(f.bytes_done)) + "/" +
               human_bytes(static_cast<double>(f.bytes_total));
      } else {
        if (f.bytes_done == 0 || now - s.last < std::chrono::seconds(5)) continue;
        line = f.name + " " + human_bytes(static_cast<double>(f.bytes_done)) + " (size not known yet)";
      }
      s.last = now;
      std::string total;
      if (p.percent >= 0) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "; total %.0f%%", p.percent);
        total = buf;
      }
      if (p.elapsed_s > 0)
        total += "; " + human_bytes(static_cast<double>(p.bytes_done) / p.elapsed_s) + "/s";
      std::fprintf(out_, "[%s] export %s%s\n", human_duration(p.elapsed_s).c_str(), line.c_str(), total.c_str());
      std::fflush(out_);
    }
  }

private:
  struct State {
    int decile = -1;
    bool done_printed = false;
    std::chrono::steady_clock::time_point last{};
  };
  std::FILE* out_;
  bool quiet_;
  std::map<std::string, State> state_;
};

nlohmann::json result_json(const ExportResult& r) {
  nlohmann::json files = nlohmann::json::array();
  for (const ExportedFileResult& f : r.files)
    files.push_back({{"name", f.name},
                     {"path", f.path.string()},
                     {"disk", f.disk},
                     {"bytes", f.bytes},
                     {"sha256", f.sha256},
                     {"sha1", f.sha1},
                     {"manifest_algo", f.manifest_algo},
                     {"checksum", f.verified ? "verified" : "unverified"},
                     {"seconds", f.seconds},
                     {"attempts", f.attempts},
                     {"restarts", f.restarts},
                     {"resumes", f.resumes}});
  return {{"status", "ok"},
          {"vm", r.vm_name},
          {"folder", r.folder.string()},
          {"ovf", r.ovf.string()},
          {"ovf_source", r.ovf_from_vcenter ? "vcenter" : "minimal"},
          {"manifest", r.manifest.string()},
          {"bytes", r.bytes},
          {"seconds", r.seconds},
          {"transfer_seconds", r.transfer_seconds},
          {"mb_per_s", r.transfer_seconds > 0 ? static_cast<double>(r.bytes) / 1e6 / r.transfer_seconds : 0.0},
          {"restarts", r.restarts},
          {"resumes", r.resumes},
          {"verified", r.all_verified},
          {"files", files},
          {"warnings", r.warnings}};
}

void print_summary(const ExportResult& r) {
  const double mbps = r.transfer_seconds > 0 ? static_cast<double>(r.bytes) / 1e6 / r.transfer_seconds : 0.0;
  std::printf("Exported VM %s -> %s (%zu file(s), %s in %.1f s, %.1f MB/s)\n", r.vm_name.c_str(), r.folder.c_str(),
              r.files.size(), human_bytes(static_cast<double>(r.bytes)).c_str(), r.transfer_seconds, mbps);
  for (const ExportedFileResult& f : r.files)
    std::printf("  %-16s %10s  %s%s%s%s\n", f.name.c_str(), human_bytes(static_cast<double>(f.bytes)).c_str(),
                f.verified ? "verified (" : "unverified", f.verified ? f.manifest_algo.c_str() : "", f.verified ? ")" : "",
                f.restarts || f.resumes
                    ? ("; " + std::to_string(f.resumes) + " resume(s), " + std::to_string(f.restarts) + " restart(s)").c_str()
                    : "");
  std::printf("  ovf      %s%s\n", r.ovf.c_str(), r.ovf_from_vcenter ? "" : " (minimal, built locally)");
  std::printf("  manifest %s\n", r.manifest.c_str());
  for (const std::string& w : r.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
}

int fail(const ExportCli& c, int code, const std::string& kind, const std::string& message) {
  std::fprintf(stderr, "hyper2kvm: %s\n", message.c_str());
  if (c.json)
    std::cout << nlohmann::json{{"status", "error"}, {"vm", c.vm}, {"kind", kind}, {"error", message}}.dump(2) << std::endl;
  return code;
}

}  // namespace

CLI::App* add_export_command(CLI::App& app, ExportCli& c) {
  auto* cmd = app.add_subcommand("export", "Download a powered-off VM from vCenter/ESXi (disks, OVF, manifest.json)");
  cmd->add_option("--vm", c.vm, "VM name, or inventory path (/DC/vm/folder/name)")->required();
  cmd->add_option("--vcenter", c.vcenter, "vCenter or ESXi host, HOST[:PORT] (default port 443)")->required();
  cmd->add_option("-o,--output-dir", c.output_dir, "Folder that receives <vm>/ (disks, <vm>.ovf, manifest.json)")->required();
  cmd->add_option("-u,--username", c.username, "User name (default: the credentials file's, else $VSPHERE_USERNAME)");
  cmd->add_option("--credentials", c.credentials_file,
                  "YAML file with username:/password: (mode 0600); the password may also come from $VSPHERE_PASSWORD")
      ->check(CLI::ExistingFile);
  cmd->add_option("--datacenter", c.datacenter, "Datacenter to look the VM up in");
  cmd->add_option("--parallel-disks", c.parallel_disks, "Disks downloaded at once")->check(CLI::Range(1, 32))->capture_default_str();
  auto* shutdown = cmd->add_flag("--shutdown", c.shutdown, "Shut a powered-on VM's guest down first (VMware Tools)");
  cmd->add_option("--shutdown-timeout", c.shutdown_timeout, "Seconds to wait for the VM to power off after --shutdown")
      ->check(CLI::Range(1, 24 * 3600))
      ->needs(shutdown)
      ->capture_default_str();
  auto* insecure = cmd->add_flag("--insecure", c.insecure, "Do not verify the server's TLS certificate");
  auto* thumb = cmd->add_option("--thumbprint", c.thumbprint, "Trust exactly this SHA-256 certificate thumbprint (AB:CD:...)");
  auto* ca = cmd->add_option("--ca-file", c.ca_file, "CA bundle (PEM) to verify the server with")->check(CLI::ExistingFile);
  insecure->excludes(thumb)->excludes(ca);
  thumb->excludes(ca);
  cmd->add_flag("--json", c.json, "Print the result (or the error) as JSON on stdout");
  cmd->add_flag("-q,--quiet", c.quiet, "No progress output");
  cmd->footer(
      "Progress goes to stderr. SIGINT/SIGTERM abort the export lease; the downloaded parts stay in "
      "<output-dir>/<vm>/.export-partial/ and the next export of the VM resumes them. Exit codes: 0 success; "
      "2 usage or credentials; 3 VM not exportable (powered on, not found, refused); 4 retryable failure "
      "(network, timeout, checksum mismatch); 130 cancelled.");
  return cmd;
}

int run_export(const ExportCli& c) {
  const auto cancel = cancel_on_signals();
  VsphereCredentials credentials;
  Endpoint endpoint;
  try {
    TlsPolicy tls;
    tls.insecure = c.insecure;
    tls.thumbprint = c.thumbprint;
    tls.ca_file = c.ca_file;
    endpoint = parse_endpoint(c.vcenter, tls);
    credentials = resolve_credentials(c.username.empty() ? std::nullopt : std::optional<std::string>(c.username),
                                      c.credentials_file.empty() ? std::nullopt
                                                                 : std::optional<std::filesystem::path>(c.credentials_file));
  } catch (const std::exception& e) {
    return fail(c, exit_code::kUsage, "usage", e.what());
  }
  if (c.insecure && !c.quiet)
    std::fprintf(stderr, "warning: --insecure: the certificate of %s is not verified\n", c.vcenter.c_str());

  ExportOptions opts;
  opts.output_dir = std::filesystem::absolute(c.output_dir);
  opts.parallel_disks = c.parallel_disks;
  opts.shutdown = c.shutdown;
  opts.shutdown_timeout = std::chrono::seconds(c.shutdown_timeout);
  opts.vcenter = c.vcenter;
  ExportProgressLines lines(stderr, c.quiet);
  ExportCallbacks callbacks;
  callbacks.progress = std::ref(lines);
  callbacks.notice = [&c](const std::string& m) {
    if (!c.quiet) std::fprintf(stderr, "hyper2kvm: %s\n", m.c_str());
  };
  try {
    auto session = VsphereSession::login(endpoint, credentials);
    const std::optional<std::string> dc = c.datacenter.empty() ? std::nullopt : std::optional<std::string>(c.datacenter);
    const MoRef vm = find_vm(*session, c.vm, dc);
    const ExportResult r = export_vm(*session, vm, opts, callbacks, *cancel);
    if (c.json) std::cout << result_json(r).dump(2) << std::endl;
    else print_summary(r);
    return exit_code::kOk;
  } catch (const ConversionError& e) {
    if (e.kind() == ErrorKind::Cancelled) return fail(c, exit_code::kCancelled, "cancelled", e.reason());
    return fail(c, exit_code::for_error(e.kind()), to_string(e.kind()), e.what());
  } catch (const VsphereError& e) {
    // No SOAP fault: the network or the server's HTTP side, worth a retry;
    // a fault: vSphere refused (not found, permissions, state).
    if (e.fault.empty()) return fail(c, exit_code::kRetryable, "io_error", e.what());
    return fail(c, exit_code::kInvalidInput, e.fault, e.what());
  } catch (const std::exception& e) {
    return fail(c, exit_code::kInternal, "internal", e.what());
  }
}

}  // namespace h2k::cli
