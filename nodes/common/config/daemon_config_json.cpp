// DaemonConfig::to_json(): what --check-config prints, secrets redacted
// (webhook URLs through redact_url, actors/settings).
#include "nodes/common/config/daemon_config.hpp"

namespace h2k {

namespace {

constexpr const char* kRedacted = "***";

// Durations as seconds: whole numbers stay integers in the output.
nlohmann::json seconds(std::chrono::milliseconds ms) {
  if (ms.count() % 1000 == 0) return ms.count() / 1000;
  return static_cast<double>(ms.count()) / 1000.0;
}

const char* name(OutputFormat f) { return f == OutputFormat::Raw ? "raw" : "qcow2"; }

const char* name(VmwareToolsAction a) {
  switch (a) {
    case VmwareToolsAction::Keep: return "keep";
    case VmwareToolsAction::Disable: return "disable";
    case VmwareToolsAction::Remove: return "remove";
  }
  return "remove";
}

// Header-only use of the engine's enum (this library links no engine code).
const char* name(AccelChoice a) {
  switch (a) {
    case AccelChoice::Auto: return "auto";
    case AccelChoice::Kvm: return "kvm";
    case AccelChoice::Tcg: return "tcg";
  }
  return "auto";
}

std::string secret(const std::string& s) { return s.empty() ? "" : kRedacted; }

}  // namespace

nlohmann::json DaemonConfig::to_json() const {
  const auto& n = notifications;
  nlohmann::json headers = nlohmann::json::object();
  for (auto& [k, v] : n.webhook_headers) headers[k] = secret(v);
  const auto& g = conversion.libguestfs;
  return {
      {"config_file", source_file.string()},
      {"watch_dir", watch_dir.string()},
      {"output_dir", output_dir.string()},
      {"work_dir", work_dir.string()},
      {"state_dir", state_dir.string()},
      {"state_db", state_db_path().string()},
      {"max_concurrent_jobs", max_concurrent_jobs},
      {"file_stable_timeout", seconds(file_stable_timeout)},
      {"job_stall_timeout", seconds(job_stall_timeout)},
      {"enable_deduplication", enable_deduplication},
      {"deduplication_method", to_string(deduplication_method)},
      {"archive_processed", archive_processed},
      {"limits", {{"per_source", per_source_limit}}},
      {"retry_policy",
       {{"enabled", retry_policy.enabled},
        {"max_retries", retry_policy.max_retries},
        {"retry_delay", seconds(retry_policy.retry_delay)},
        {"backoff_multiplier", retry_policy.backoff_multiplier}}},
      {"notifications",
       {{"enabled", n.enabled},
        {"webhook_url", redact_url(n.webhook_url)},
        {"webhook_type", to_string(n.webhook_type)},
        {"webhook_headers", headers},
        {"notify_on_success", n.notify_on_success},
        {"notify_on_failure", n.notify_on_failure},
        {"notify_on_stall", n.notify_on_stall},
        {"stall_check_interval", seconds(n.stall_check_interval)},
        {"email_enabled", n.email_enabled},
        {"smtp_server", n.smtp_server},
        {"smtp_port", n.smtp_port},
        {"smtp_use_tls", n.smtp_use_tls},
        {"smtp_username", n.smtp_username},
        {"smtp_password", secret(n.smtp_password)},
        {"email_from", n.email_from},
        {"email_to", n.email_to},
        {"email_subject_prefix", n.email_subject_prefix},
        {"tls_ca_file", n.tls_ca_file.string()},
        {"callback_url", redact_url(n.callback.url)},
        {"callback_secret_file", n.callback.secret_file.string()},  // the path; the key stays in the file
        {"callback_all_jobs", n.callback.all_jobs}}},
      {"log_file", log_file.string()},
      {"verbose", verbose},
      {"conversion",
       {{"output_format", name(conversion.output_format)},
        {"guest_fixes", conversion.guest_fixes},
        {"vmware_tools", name(conversion.vmware_tools)},
        {"rebuild_initramfs", conversion.rebuild_initramfs},
        {"virtio_win_dir", conversion.virtio_win_dir.string()},
        {"domain_output_dir", conversion.domain_output_dir.string()},
        {"libvirt_uri", conversion.libvirt_uri},
        {"verify_boot", conversion.verify_boot},
        {"verify_boot_timeout", conversion.verify_boot_timeout_s},
        {"verify_boot_accel", name(conversion.verify_boot_accel)},
        {"libguestfs",
         {{"backend", g.backend},
          {"backend_settings", g.backend_settings},
          {"launch_timeout", g.launch_timeout_s},
          {"memsize", g.memsize_mib},
          {"kvm_probe_timeout", conversion.kvm_probe_timeout_s}}}}},
      {"cluster", cluster.to_json()},  // null: a single host
      {"api", h2k::to_json(api)},  // token_file's path only
      {"vsphere", h2k::to_json(vsphere)},  // credentials_file's path only
      {"export", h2k::to_json(exports)},
  };
}

}  // namespace h2k
