#include "actors/notifier/callback.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace h2k {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// "web01" for "2026-12-03/web01" (the published folder is named after the VM,
// or <vm>-<job id> when the name was taken).
std::string vm_from_output(const std::string& output_path) { return fs::path(output_path).filename().string(); }

// Before a job knows its VM's name: the source file's stem ("web01.ova" -> "web01").
std::string vm_from_source(const std::string& filename) { return fs::path(filename).stem().string(); }

json published_files(const fs::path& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) files.push_back(it->path().string());
  std::sort(files.begin(), files.end());
  return files;
}

// What the conversion changed in the guest: report.json's guest_fixes
// (applied, each change, the disk bus and NIC model it switched to); {}
// when there is no report.
json modifications(const fs::path& dir) {
  std::ifstream in(dir / "report.json");
  if (!in) return json::object();
  json report = json::parse(in, nullptr, false);
  if (report.is_discarded() || !report.is_object()) return json::object();
  auto fixes = report.find("guest_fixes");
  if (fixes == report.end() || !fixes->is_object()) return json::object();
  json out = json::object();
  for (const char* key : {"applied", "changes", "disk_bus", "nic_model"})
    if (fixes->contains(key)) out[key] = (*fixes)[key];
  return out;
}

}  // namespace

std::optional<json> callback_payload(const msg::job_event& e, const CallbackSettings& s) {
  if (e.kind == "succeeded") {
    const fs::path dir = s.output_root / e.output_path;
    return json{{"job_id", e.job_id},
                {"status", "success"},
                {"vm_name", vm_from_output(e.output_path)},
                {"output_dir", dir.string()},
                {"files", published_files(dir)},
                {"duration_seconds", e.duration_s},
                {"modifications", modifications(dir)}};
  }
  const bool retry = e.kind == "retry_scheduled";
  if (!retry && e.kind != "failed" && e.kind != "rejected") return std::nullopt;
  // A failed-for-good job's report is <watch_dir>/.errors/<file>.error.json.
  json error_file = nullptr;
  if (!retry) error_file = (s.errors_dir / (fs::path(e.filename).filename().string() + ".error.json")).string();
  return json{{"job_id", e.job_id.empty() ? json(nullptr) : json(e.job_id)},
              {"status", "failed"},
              {"vm_name", vm_from_source(e.filename)},
              {"error", e.error},
              {"error_file", error_file},
              {"retry_count", std::max(0, e.attempt - 1)},
              {"retry_available", retry}};
}

std::string hmac_sha256_hex(const std::string& key, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(body.data()),
       body.size(), mac, &len);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", mac[i]);
    hex += buf;
  }
  return hex;
}

Notification callback_notification(const json& payload, const std::string& secret, std::int64_t at_ms) {
  Notification n;
  n.event = "conversion-complete";
  n.title = "conversion-complete";
  n.at_ms = at_ms;
  n.details = payload;
  n.raw_body = payload.dump(-1, ' ', false, json::error_handler_t::replace);
  n.headers["X-Hyper2kvm-Event"] = "conversion-complete";
  if (!secret.empty()) n.headers["X-Hyper2kvm-Signature"] = "sha256=" + hmac_sha256_hex(secret, *n.raw_body);
  return n;
}

std::string read_callback_secret(const fs::path& file, const std::string& key) {
  const std::string where = key + " " + file.string();
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0) throw std::runtime_error(where + ": no such file");
  if (!S_ISREG(st.st_mode)) throw std::runtime_error(where + ": not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw std::runtime_error(where + " has mode " + mode +
                             ": it holds a secret and must be readable by its owner only (chmod 600)");
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.back())) s.pop_back();
  std::size_t begin = 0;
  while (begin < s.size() && space(s[begin])) ++begin;
  if (begin == s.size()) throw std::runtime_error(where + " is empty");
  return s.substr(begin);
}

}  // namespace h2k
