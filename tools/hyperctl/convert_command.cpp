#include "tools/hyperctl/convert_command.hpp"

#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/vsphere/credentials.hpp"
#include "engine/vsphere/vsphere_session.hpp"
#include "tools/hyperctl/exit_codes.hpp"
#include "tools/hyperctl/follow_view.hpp"
#include "tools/hyperctl/json_fields.hpp"

namespace h2k::hyperctl {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;
namespace vs = h2k::vsphere;

constexpr int kInterrupted = 130;  // 128 + SIGINT: Ctrl-C stopped the following, the jobs go on

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Ctrl-C and SIGTERM, taken synchronously between polls (as `watch` does):
// a redraw is never cut in half and no handler is needed.
class StopSignals {
public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  // Waits `seconds`; true when a stop signal came instead.
  bool wait(double seconds) {
    timespec t{};
    t.tv_sec = static_cast<time_t>(seconds);
    t.tv_nsec = static_cast<long>((seconds - std::floor(seconds)) * 1e9);
    const int sig = ::sigtimedwait(&set_, nullptr, &t);
    return sig == SIGINT || sig == SIGTERM;
  }

private:
  sigset_t set_{};
};

// The live lines of --follow on a terminal: redrawn in place; permanent
// lines (a retry notice, the result) go above them.
class LiveBlock {
public:
  explicit LiveBlock(bool tty) : tty_(tty) {}
  void draw(const std::vector<std::string>& lines) {
    if (!tty_) return;
    erase();
    for (const auto& l : lines) std::cout << l << "\033[K\n";
    shown_ = lines.size();
    std::cout.flush();
  }
  // Removes the live lines (before a permanent line, or at the end).
  void erase() {
    if (!tty_ || shown_ == 0) return;
    std::cout << "\033[" << shown_ << "F\033[J";
    std::cout.flush();
    shown_ = 0;
  }

private:
  bool tty_;
  std::size_t shown_ = 0;
};

// --- credentials --------------------------------------------------------

struct Credentials {
  std::string username;
  std::string password;  // empty: not sent (the daemon may have its own)
  std::string missing;   // why not, for a note on stderr
};

// As `hyperctl vms` resolves them (vs::resolve_credentials: --username or the
// file or $VSPHERE_USERNAME; $VSPHERE_PASSWORD or the file; the file must be
// 0600), except that a missing user name or password is not an error here:
// the daemon may have its own credentials for this vCenter. A problem with
// the file itself (mode too open, unreadable, malformed) still throws.
Credentials resolve_lenient(const ConvertOptions& o) {
  std::optional<std::string> user;
  if (!o.username.empty()) user = o.username;
  std::optional<fs::path> file;
  if (!o.credentials.empty()) file = o.credentials;
  try {
    const vs::VsphereCredentials c = vs::resolve_credentials(user, file);
    return {c.username, c.password};
  } catch (const std::runtime_error& e) {
    // The file's own problems name the file; only "no vSphere user name" /
    // "no vSphere password for user NAME: ..." are about what is missing.
    const std::string what = e.what();
    static const std::string no_password = "no vSphere password for user ";
    if (what.rfind(no_password, 0) == 0) {
      const auto end = what.find(": set VSPHERE_PASSWORD", no_password.size());
      return {what.substr(no_password.size(), end == std::string::npos ? std::string::npos : end - no_password.size()),
              "", "no vSphere password ($VSPHERE_PASSWORD or --credentials FILE)"};
    }
    if (what.rfind("no vSphere user name", 0) == 0)
      return {"", "", "no vSphere user name (--username, $VSPHERE_USERNAME or username: in --credentials), so no "
                      "credentials are sent"};
    throw;
  }
}

bool is_loopback_url(const std::string& url) {
  for (const char* prefix : {"http://127.", "http://localhost", "http://[::1]"})
    if (url.rfind(prefix, 0) == 0) return true;
  return false;
}

// --- one job --------------------------------------------------------------

std::optional<std::string> local_domain_xml(const json& job, const std::string& vm) {
  const std::string dir = text_field(job, "output_dir", "");
  if (dir.empty()) return std::nullopt;
  std::error_code ec;
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  return pick_domain_xml(names, vm);
}

std::string submitted_line(const json& job, const std::string& vm, const std::string& vcenter) {
  return "job " + text_field(job, "id", "?") + " submitted: export of " + vm + " from " + vcenter;
}

std::string stopped_following(const std::string& id) {
  return "hyperctl: stopped following; job " + id + " keeps running on the daemon (`hyperctl logs " + id +
         " --follow` or `hyperctl job-status " + id + "` to look again, `hyperctl cancel-job " + id +
         "` to stop it)";
}

// `first`: the view of the convert-vm reply, shown before the first poll.
int follow_job(ControlClient& client, const std::string& id, const std::string& vm, const json& first, bool json_out,
               double interval, StopSignals& signals) {
  const bool tty = !json_out && ::isatty(STDOUT_FILENO) == 1;
  LiveBlock block(tty);
  std::string last_key;
  std::string last_dump;
  std::string last_retry;
  json job = first;
  for (bool polled = false;; polled = true) {
    if (polled || !job.is_object()) {
      ControlReply reply = client.request({{"command", "job-status"}, {"job_id", id}});
      if (!reply.ok()) {
        block.erase();
        std::cerr << "hyperctl: " << reply.error() << "\n";
        return exit_code::kDaemonError;
      }
      job = member(reply.json, "job");
    }
    const FollowStage stage = follow_stage(job);
    if (json_out) {
      if (std::string d = dump(job); d != last_dump) {
        std::cout << d << std::endl;
        last_dump = d;
      }
    } else {
      if (stage == FollowStage::retry_wait) {
        if (std::string key = follow_change_key(job); key != last_retry) {
          block.erase();
          std::cout << render_retry_notice(job) << std::endl;
          last_retry = key;
        }
      }
      if (stage == FollowStage::done || stage == FollowStage::failed || stage == FollowStage::cancelled) {
        block.erase();
      } else if (tty) {
        block.draw(render_follow_lines(job));
      } else if (std::string key = follow_change_key(job); key != last_key) {
        if (stage != FollowStage::retry_wait) std::cout << render_follow_summary(job) << std::endl;
        last_key = key;
      }
    }
    if (stage == FollowStage::done) {
      if (!json_out)
        for (const auto& line : render_done_lines(job, local_domain_xml(job, vm))) std::cout << line << "\n";
      std::cout.flush();
      return exit_code::kOk;
    }
    if (stage == FollowStage::failed || stage == FollowStage::cancelled) {
      std::cerr << "hyperctl: " << render_failure(job) << "\n";
      return exit_code::kDaemonError;
    }
    if (!polled && job.is_object()) continue;  // the reply's view shown: now ask
    if (signals.wait(interval)) {
      block.erase();
      std::cerr << stopped_following(id) << "\n";
      return kInterrupted;
    }
  }
}

// --- batch ----------------------------------------------------------------

int run_batch(ControlClient& client, const ConvertOptions& o, bool json_out, const json& base, StopSignals& signals) {
  std::ifstream in(o.batch);
  if (!in) {
    std::cerr << "hyperctl: convert: cannot read " << o.batch << "\n";
    return exit_code::kUsage;
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::vector<std::string> names = parse_vm_list(text.str());
  if (names.empty()) {
    std::cerr << "hyperctl: convert: " << o.batch << " names no VM (one name per line; # comments)\n";
    return exit_code::kUsage;
  }

  std::vector<BatchEntry> entries;
  std::vector<std::string> last_stage;  // per entry, what --follow printed last
  std::size_t next = 0;
  for (;;) {
    // Where are our jobs now?
    for (std::size_t i = 0; i < entries.size(); ++i) {
      BatchEntry& e = entries[i];
      if (e.job_id.empty() || is_final_state(text_field(e.view, "state", ""))) continue;
      ControlReply reply = client.request({{"command", "job-status"}, {"job_id", e.job_id}});
      if (!reply.ok()) {
        // The job is gone (removed from the daemon's store): count it as failed.
        e.view = {{"id", e.job_id},
                  {"state", "failed"},
                  {"last_error", {{"kind", "unknown"}, {"reason", reply.error()}, {"phase", nullptr}}}};
      } else {
        e.view = member(reply.json, "job");
      }
      if (!o.follow) continue;
      const FollowStage stage = follow_stage(e.view);
      const std::string key = stage_name(stage) + std::string(":") + text_field(e.view, "attempts", "");
      if (key == last_stage[i]) continue;
      last_stage[i] = key;
      if (json_out) {
        std::cout << dump(e.view) << std::endl;
        continue;
      }
      std::string line = render_follow_summary(e.view);
      if (stage == FollowStage::done) line = render_done_lines(e.view, local_domain_xml(e.view, e.vm)).front();
      if (stage == FollowStage::failed || stage == FollowStage::cancelled) line = render_failure(e.view);
      std::cout << "[" << e.vm << "] " << line << std::endl;
    }

    std::vector<json> views;
    for (const auto& e : entries)
      if (!e.job_id.empty()) views.push_back(e.view);
    for (std::size_t n = batch_submit_allowance(views, o.parallel, names.size() - next); n > 0; --n) {
      const std::string& vm = names[next++];
      json request = base;
      request["vm"] = vm;
      ControlReply reply = client.request(request);
      BatchEntry e{vm, "", "", json()};
      if (json_out) std::cout << reply.line << std::endl;
      if (reply.ok()) {
        e.view = member(reply.json, "job");
        e.job_id = text_field(e.view, "id", "");
        if (!json_out) std::cout << submitted_line(e.view, vm, o.vcenter) << std::endl;
      }
      if (e.job_id.empty()) {
        e.submit_error = reply.ok() ? "the daemon's reply names no job" : reply.error();
        std::cerr << "hyperctl: " << vm << ": " << e.submit_error << "\n";
      }
      entries.push_back(std::move(e));
      last_stage.emplace_back();
    }

    const bool all_submitted = next == names.size();
    bool all_final = true;
    for (const auto& e : entries)
      if (!e.job_id.empty() && !is_final_state(text_field(e.view, "state", ""))) all_final = false;
    if (all_submitted && (!o.follow || all_final)) break;
    if (signals.wait(o.interval_s)) {
      std::cerr << "hyperctl: stopped; the " << entries.size() << " submitted job(s) keep running on the daemon";
      if (!all_submitted) std::cerr << "; " << names.size() - next << " VM(s) of " << o.batch << " were not submitted";
      std::cerr << "\n";
      return kInterrupted;
    }
  }

  bool failed = false;
  for (const auto& e : entries) {
    if (o.follow ? batch_entry_failed(e) : e.job_id.empty()) failed = true;
  }
  if (o.follow && !json_out) std::cout << "\n" << render_batch_summary(entries);
  if (!o.follow && !json_out) {
    std::size_t accepted = 0;
    for (const auto& e : entries) accepted += e.job_id.empty() ? 0 : 1;
    std::cout << accepted << " of " << entries.size()
              << " VM(s) submitted; `hyperctl list-jobs` or `hyperctl logs ID --follow` to follow them\n";
  }
  return failed ? exit_code::kDaemonError : exit_code::kOk;
}

// --- logs -------------------------------------------------------------------

bool argument_name_rejected(const ControlReply& reply) {
  const std::string e = reply.error();
  return e.find("unknown argument") != std::string::npos || e.find("is required") != std::string::npos;
}

}  // namespace

void add_convert_command(CLI::App& app, ConvertCommand& command) {
  ConvertOptions& o = command.options;
  command.convert = app.add_subcommand(
      "convert", "One-command migration: the daemon exports a VM from vCenter/ESXi and converts it to KVM "
                 "(--vm NAME), or many (--batch FILE)");
  CLI::App* c = command.convert;
  c->fallthrough();
  auto* vm = c->add_option("--vm", o.vm, "The VM: name, or inventory path (/DC0/vm/folder/NAME)");
  auto* batch = c->add_option("--batch", o.batch,
                              "File with one VM name per line (blank lines and # comments skipped): one job per VM")
                    ->check(CLI::ExistingFile)
                    ->excludes(vm);
  c->add_option("--parallel", o.parallel,
                "With --batch: at most N of these VMs exporting at a time; the next is submitted when one finishes "
                "its export")
      ->check(CLI::Range(1, 1000))
      ->needs(batch)
      ->capture_default_str();
  c->add_option("--vcenter", o.vcenter, "vCenter or ESXi host, HOST[:PORT] (port 443 by default)")->required();
  c->add_option("-u,--username", o.username,
                "User name (default: the credentials file's username:, else $VSPHERE_USERNAME)");
  c->add_option("--credentials", o.credentials,
                "YAML file with username: and password: (mode 0600); $VSPHERE_PASSWORD takes precedence for the "
                "password")
      ->check(CLI::ExistingFile);
  c->add_option("--datacenter", o.datacenter, "The VM's datacenter (relative inventory paths start in DC/vm/)");
  c->add_option("-p,--priority", o.priority, "low, normal or high (default: the daemon's, normal)")
      ->check(CLI::IsMember({"low", "normal", "high"}));
  auto* thumbprint = c->add_option("--thumbprint", o.thumbprint,
                                   "Trust the server iff its certificate's SHA-256 fingerprint is this (AB:CD:...)");
  auto* ca_file = c->add_option("--ca-file", o.ca_file,
                                "Verify the server against this CA bundle (PEM; a path on the daemon's host, made "
                                "absolute)");
  c->add_flag("--insecure", o.insecure, "Do not verify the server's certificate (the daemon warns)")
      ->excludes(thumbprint)
      ->excludes(ca_file);
  c->add_flag("--shutdown", o.shutdown, "Shut the VM's guest down (power off if it must) before the export");
  c->add_flag("--define", o.define, "Define the converted VM in the daemon host's libvirt when done");
  c->add_flag("-f,--follow", o.follow,
              "Stay and show the phases (connect, export with a bar per disk, queued, converting, done with the "
              "`virsh define` command); exit 0 only when the job is done. Ctrl-C stops following, not the job");
  c->add_option("-i,--interval", o.interval_s, "Seconds between polls while following or throttling")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  c->footer(
      "The password is read from $VSPHERE_PASSWORD or the --credentials file, never from the command line; it "
      "goes to the daemon, which keeps it in memory only. Without one the daemon uses its own credentials for "
      "the vCenter, if it has any.\n"
      "--json: without --follow the daemon's reply; with --follow one job view per line whenever it changes.\n"
      "Examples:\n"
      "  VSPHERE_PASSWORD=... hyperctl convert --vm web01 --vcenter vc.example.com -u admin --follow\n"
      "  hyperctl convert --batch vms.txt --parallel 4 --vcenter vc.example.com --credentials ~/.vsphere.yaml "
      "--follow\n"
      "Exit codes: 0 submitted (with --follow: done; --batch --follow: all done); 1 refused or failed; 2 usage or "
      "credentials error; 3 daemon unreachable; 4 no reply in time; 130 Ctrl-C (the jobs go on).");
}

void add_logs_command(CLI::App& app, LogsCommand& command) {
  command.logs = app.add_subcommand("logs", "A job's journal (queued, started, phases, retries, result), one line "
                                            "per event");
  command.logs->fallthrough();
  command.logs->add_option("id", command.job_id, "Job id (see list-jobs)")->required();
  command.logs->add_flag("-f,--follow", command.follow,
                         "Keep printing new lines (polls every second) until the job is finished; exit 0 if it is "
                         "done, 1 if it failed or was cancelled");
}

int run_convert_command(ControlClient& client, const ConvertOptions& o, bool json_out, const std::string& server_url) {
  if (o.vm.empty() && o.batch.empty()) {
    std::cerr << "hyperctl: convert: --vm NAME or --batch FILE is required\n";
    return exit_code::kUsage;
  }
  json request{{"command", "convert-vm"}, {"insecure", o.insecure}, {"shutdown", o.shutdown}};
  try {
    // Usage errors before anything is sent: the address and the thumbprint.
    vs::TlsPolicy tls;
    tls.thumbprint = o.thumbprint;
    const vs::Endpoint endpoint = vs::parse_endpoint(o.vcenter, tls);
    request["vcenter"] = o.vcenter;
    if (!endpoint.tls.thumbprint.empty()) request["thumbprint"] = endpoint.tls.thumbprint;
  } catch (const std::exception& e) {
    std::cerr << "hyperctl: convert: " << e.what() << "\n";
    return exit_code::kUsage;
  }
  try {
    const Credentials creds = resolve_lenient(o);
    if (!creds.username.empty()) request["username"] = creds.username;
    if (!creds.password.empty()) {
      request["password"] = creds.password;
      if (server_url.rfind("http://", 0) == 0 && !is_loopback_url(server_url))
        std::cerr << "hyperctl: warning: the vSphere password goes to " << server_url
                  << " unencrypted (plain http); use https or the control socket\n";
    } else {
      std::cerr << "hyperctl: note: " << creds.missing << ": the daemon uses its own credentials for " << o.vcenter
                << ", if it has any\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "hyperctl: convert: " << e.what() << "\n";
    return exit_code::kUsage;
  }
  if (!o.datacenter.empty()) request["datacenter"] = o.datacenter;
  if (!o.priority.empty()) request["priority"] = o.priority;
  if (!o.ca_file.empty()) request["ca_file"] = fs::absolute(o.ca_file).lexically_normal().string();
  if (o.define) request["define"] = true;
  if (o.insecure)
    std::cerr << "hyperctl: warning: --insecure: the daemon will not verify the certificate of " << o.vcenter << "\n";

  StopSignals signals;
  if (!o.batch.empty()) return run_batch(client, o, json_out, request, signals);

  request["vm"] = o.vm;
  ControlReply reply = client.request(request);
  if (json_out && !o.follow) std::cout << reply.line << "\n";
  if (!reply.ok()) {
    std::cerr << "hyperctl: " << reply.error() << "\n";
    return exit_code::kDaemonError;
  }
  const json& job = member(reply.json, "job");
  const std::string id = text_field(job, "id", "");
  if (!json_out) std::cout << submitted_line(job, o.vm, o.vcenter) << std::endl;
  // A cluster with no export node connected: the job waits for one.
  if (const std::string warning = text_field(reply.json, "warning", ""); !warning.empty())
    std::cerr << "hyperctl: warning: " << warning << "\n";
  if (!o.follow) return exit_code::kOk;
  if (id.empty()) {
    std::cerr << "hyperctl: the daemon's reply names no job to follow\n";
    return exit_code::kDaemonError;
  }
  return follow_job(client, id, o.vm, job, json_out, o.interval_s, signals);
}

int run_logs_command(ControlClient& client, const LogsCommand& command, bool json_out) {
  StopSignals signals;
  // The job's id goes as "job_id" like every other job command; a daemon
  // that names it "id" for job-log gets that on the second try.
  const char* id_key = "job_id";
  bool key_settled = false;
  long long since = 0;
  for (;;) {
    ControlReply reply =
        client.request({{"command", "job-log"}, {id_key, command.job_id}, {"since", since}});
    if (!reply.ok() && !key_settled && argument_name_rejected(reply)) {
      id_key = "id";
      key_settled = true;
      continue;
    }
    key_settled = true;
    if (!reply.ok()) {
      if (json_out) std::cout << reply.line << "\n";
      std::cerr << "hyperctl: " << reply.error() << "\n";
      return exit_code::kDaemonError;
    }
    const json& lines = member(reply.json, "lines");
    std::size_t count = 0;
    if (json_out && (lines.is_array() && !lines.empty())) std::cout << reply.line << "\n";
    if (lines.is_array()) {
      for (const auto& l : lines) {
        if (!json_out) std::cout << (l.is_string() ? l.get<std::string>() : dump(l)) << "\n";
        ++count;
      }
    }
    std::cout.flush();
    const auto next = number_field(reply.json, "next");
    since = next ? static_cast<long long>(*next) : since + static_cast<long long>(count);
    const json& final_flag = member(reply.json, "final");
    const bool final = final_flag.is_boolean() && final_flag.get<bool>();
    if (!command.follow) return exit_code::kOk;
    if (final) {
      ControlReply status = client.request({{"command", "job-status"}, {"job_id", command.job_id}});
      if (!status.ok()) {
        std::cerr << "hyperctl: " << status.error() << "\n";
        return exit_code::kDaemonError;
      }
      const json& job = member(status.json, "job");
      if (text_field(job, "state", "") == "done") return exit_code::kOk;
      std::cerr << "hyperctl: " << render_failure(job) << "\n";
      return exit_code::kDaemonError;
    }
    if (signals.wait(1.0)) {
      std::cerr << "hyperctl: stopped following the log of job " << command.job_id << "\n";
      return kInterrupted;
    }
  }
}

}  // namespace h2k::hyperctl
