#include "tools/hyperctl/follow_view.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "tools/hyperctl/json_fields.hpp"
#include "tools/hyperctl/render.hpp"
#include "tools/hyperctl/text_format.hpp"

namespace h2k::hyperctl {
namespace {

using json = nlohmann::json;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::optional<std::uint64_t> parse_u64(const std::string& word) {
  if (word.empty()) return std::nullopt;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
  if (ec != std::errc() || end != word.data() + word.size()) return std::nullopt;
  return v;
}

const json& vsphere_of(const json& job) { return member(job, "vsphere"); }

bool is_vsphere_job(const json& job) { return vsphere_of(job).is_object(); }

bool exported(const json& job) {
  const json& v = member(vsphere_of(job), "exported");
  return v.is_boolean() && v.get<bool>();
}

std::string vm_of(const json& job) {
  std::string vm = text_field(vsphere_of(job), "vm", "");
  return vm.empty() ? job_source_summary(job, true) : vm;
}

// "45%" (whole percent: the decile rule prints rarely enough that a decimal
// only adds noise).
std::string whole_percent(double p) {
  if (!std::isfinite(p)) return "?";
  return std::to_string(static_cast<long long>(std::floor(std::clamp(p, 0.0, 100.0)))) + "%";
}

int decile(double p) {
  if (!std::isfinite(p)) return -1;
  return static_cast<int>(std::floor(std::clamp(p, 0.0, 100.0) / 10.0));
}

std::string rate_eta(const json& progress) {
  std::string out;
  if (auto rate = number_field(progress, "rate_bps"); rate && *rate > 0) out += "  " + format_bytes(*rate) + "/s";
  if (auto eta = number_field(progress, "eta_s"); eta && *eta >= 0) out += "  ETA " + format_duration(*eta);
  return out;
}

std::uint64_t sum_done(const std::vector<DiskProgress>& disks) {
  std::uint64_t n = 0;
  for (const auto& d : disks) n += d.done;
  return n;
}

std::string export_total_text(const json& job, const std::vector<DiskProgress>& disks) {
  const json& p = member(job, "progress");
  if (disks.empty()) {
    // No per-disk lines (yet): the daemon's own figures, if any.
    if (auto pct = number_field(p, "percent"); pct && *pct > 0) return whole_percent(*pct) + rate_eta(p);
    return "starting" + rate_eta(p);
  }
  std::string n = std::to_string(disks.size()) + (disks.size() == 1 ? " disk" : " disks");
  if (auto pct = export_total_percent(disks)) {
    std::uint64_t total = 0;
    for (const auto& d : disks) total += d.total;
    return whole_percent(*pct) + " of " + n + " (" + format_bytes(static_cast<double>(sum_done(disks))) + " of " +
           format_bytes(static_cast<double>(total)) + ")" + rate_eta(p);
  }
  return format_bytes(static_cast<double>(sum_done(disks))) + " so far, " + n + rate_eta(p);
}

std::string queued_text(const json& job) {
  std::string pos = text_field(job, "queue_position", "");
  return pos.empty() ? "queued for conversion" : "queued (position " + pos + ")";
}

std::string converting_text(const json& job) {
  const json& p = member(job, "progress");
  if (!p.is_object()) return "converting: starting";
  std::string text = "converting: " + text_field(p, "phase", "?");
  if (auto pct = number_field(p, "percent")) text += " " + whole_percent(*pct);
  return text + rate_eta(p);
}

std::string connect_text(const json& job) {
  const json& v = vsphere_of(job);
  return "connect: waiting for an export slot (" + text_field(v, "vm", "?") + " on " + text_field(v, "vcenter", "?") +
         ")";
}

}  // namespace

bool is_final_state(const std::string& state) { return state == "done" || state == "failed" || state == "cancelled"; }

FollowStage follow_stage(const json& job) {
  const std::string state = text_field(job, "state", "");
  if (state == "done") return FollowStage::done;
  if (state == "failed") return FollowStage::failed;
  if (state == "cancelled") return FollowStage::cancelled;
  if (state == "retry_wait") return FollowStage::retry_wait;
  const bool exporting = is_vsphere_job(job) && !exported(job);
  if (state == "running") return exporting ? FollowStage::export_ : FollowStage::converting;
  return exporting ? FollowStage::connect : FollowStage::queued;
}

const char* stage_name(FollowStage stage) {
  switch (stage) {
    case FollowStage::connect: return "connect";
    case FollowStage::export_: return "export";
    case FollowStage::queued: return "queued";
    case FollowStage::converting: return "converting";
    case FollowStage::retry_wait: return "retry_wait";
    case FollowStage::done: return "done";
    case FollowStage::failed: return "failed";
    case FollowStage::cancelled: return "cancelled";
  }
  return "?";
}

std::vector<DiskProgress> parse_export_disks(const std::string& message) {
  std::vector<DiskProgress> disks;
  std::istringstream in(message);
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    const auto last_space = line.find_last_of(" \t");
    if (last_space == std::string::npos) continue;
    const auto before_total = line.find_last_not_of(" \t", last_space);
    if (before_total == std::string::npos) continue;
    const auto mid_space = line.find_last_of(" \t", before_total);
    if (mid_space == std::string::npos) continue;
    const auto total = parse_u64(line.substr(last_space + 1));
    const auto done = parse_u64(line.substr(mid_space + 1, before_total - mid_space));
    std::string name = trim(line.substr(0, mid_space));
    if (!total || !done || name.empty()) continue;
    disks.push_back({std::move(name), *done, *total});
  }
  return disks;
}

std::string render_disk_line(const DiskProgress& disk, std::size_t name_width) {
  std::string out = "  " + pad_right(disk.name, name_width) + "  ";
  if (disk.total == 0) return out + format_bytes(static_cast<double>(disk.done)) + " so far";
  const double pct = 100.0 * static_cast<double>(disk.done) / static_cast<double>(disk.total);
  return out + progress_bar(pct) + "  " + pad_right(format_percent(std::min(pct, 100.0)), 6) + "  " +
         format_bytes(static_cast<double>(disk.done)) + " of " + format_bytes(static_cast<double>(disk.total));
}

std::optional<double> export_total_percent(const std::vector<DiskProgress>& disks) {
  if (disks.empty()) return std::nullopt;
  std::uint64_t total = 0;
  for (const auto& d : disks) {
    if (d.total == 0) return std::nullopt;
    total += d.total;
  }
  return std::min(100.0, 100.0 * static_cast<double>(sum_done(disks)) / static_cast<double>(total));
}

std::vector<std::string> render_follow_lines(const json& job) {
  switch (follow_stage(job)) {
    case FollowStage::connect: return {connect_text(job)};
    case FollowStage::export_: {
      const auto disks = parse_export_disks(text_field(member(job, "progress"), "message", ""));
      std::vector<std::string> lines{"export: " + vm_of(job) + " from " + text_field(vsphere_of(job), "vcenter", "?")};
      std::size_t width = 0;
      for (const auto& d : disks) width = std::max(width, d.name.size());
      for (const auto& d : disks) lines.push_back(render_disk_line(d, width));
      lines.push_back("  total: " + export_total_text(job, disks));
      return lines;
    }
    case FollowStage::queued: return {queued_text(job)};
    case FollowStage::converting: {
      const json& p = member(job, "progress");
      std::string bar;
      if (auto pct = number_field(p, "percent")) bar = "  " + progress_bar(*pct);
      return {converting_text(job) + bar};
    }
    case FollowStage::retry_wait:
      return {"waiting to retry at " + text_field(job, "next_attempt_at", "?") + " (attempt " +
              text_field(job, "attempts", "?") + " failed)"};
    case FollowStage::done: return {"done"};
    case FollowStage::failed: return {"failed"};
    case FollowStage::cancelled: return {"cancelled"};
  }
  return {};
}

std::string render_follow_summary(const json& job) {
  switch (follow_stage(job)) {
    case FollowStage::export_: {
      const auto disks = parse_export_disks(text_field(member(job, "progress"), "message", ""));
      return "export: " + export_total_text(job, disks);
    }
    case FollowStage::retry_wait: return render_retry_notice(job);
    default: {
      const auto lines = render_follow_lines(job);
      return lines.empty() ? "" : lines.front();
    }
  }
}

std::string follow_change_key(const json& job) {
  const FollowStage stage = follow_stage(job);
  std::string key = stage_name(stage);
  const json& p = member(job, "progress");
  switch (stage) {
    case FollowStage::export_: {
      const auto disks = parse_export_disks(text_field(p, "message", ""));
      std::optional<double> pct = export_total_percent(disks);
      if (!pct && disks.empty()) pct = number_field(p, "percent");
      key += ":" + std::to_string(disks.size()) + ":" + (pct ? std::to_string(decile(*pct)) : "-");
      break;
    }
    case FollowStage::converting:
      key += ":" + text_field(p, "phase", "") + ":";
      if (auto pct = number_field(p, "percent")) key += std::to_string(decile(*pct));
      break;
    case FollowStage::retry_wait: key += ":" + text_field(job, "attempts", "?"); break;
    default: break;
  }
  return key;
}

std::string render_retry_notice(const json& job) {
  const json& err = member(job, "last_error");
  std::string reason = "(no reason given)";
  if (err.is_object()) {
    reason = text_field(err, "kind", "error") + ": " + text_field(err, "reason", "(no reason given)");
    if (std::string phase = text_field(err, "phase", ""); !phase.empty()) reason += " (phase " + phase + ")";
  }
  return "attempt " + text_field(job, "attempts", "?") + " failed: " + reason + "; retrying at " +
         text_field(job, "next_attempt_at", "?");
}

std::string render_failure(const json& job) {
  const std::string id = text_field(job, "id", "?");
  if (follow_stage(job) == FollowStage::cancelled) return "job " + id + " was cancelled";
  const json& err = member(job, "last_error");
  if (!err.is_object()) return "job " + id + " failed (the daemon gave no reason)";
  std::string text = "job " + id + " failed: " + text_field(err, "kind", "error") + ": " +
                     text_field(err, "reason", "(no reason given)");
  if (std::string phase = text_field(err, "phase", ""); !phase.empty()) text += " (phase " + phase + ")";
  return text;
}

std::vector<std::string> render_done_lines(const json& job, const std::optional<std::string>& found_xml) {
  const std::string output_dir = text_field(job, "output_dir", "");
  const std::string output_path = text_field(job, "output_path", "");
  std::vector<std::string> lines;
  if (!output_dir.empty())
    lines.push_back("done: " + output_dir);
  else if (!output_path.empty())
    lines.push_back("done: " + output_path + " (in the daemon's output folder)");
  else
    lines.push_back("done");
  if (std::string xml = text_field(job, "domain_xml", ""); !xml.empty())
    lines.push_back("import into libvirt: virsh define " + xml);
  else if (found_xml && !output_dir.empty())
    lines.push_back("import into libvirt: virsh define " +
                    (std::filesystem::path(output_dir) / *found_xml).lexically_normal().string());
  else if (!output_dir.empty())
    lines.push_back("the converted VM is in " + output_dir + " (no libvirt domain XML found there)");
  return lines;
}

std::optional<std::string> pick_domain_xml(const std::vector<std::string>& file_names, const std::string& vm) {
  std::vector<std::string> xmls;
  for (const auto& f : file_names) {
    if (f.size() > 4 && f.compare(f.size() - 4, 4, ".xml") == 0) xmls.push_back(f);
  }
  if (!vm.empty() && std::find(xmls.begin(), xmls.end(), vm + ".xml") != xmls.end()) return vm + ".xml";
  if (xmls.size() == 1) return xmls.front();
  return std::nullopt;
}

bool holds_export_slot(const json& job) {
  if (!job.is_object()) return true;  // not seen yet: assume it is exporting
  if (is_final_state(text_field(job, "state", ""))) return false;
  return !exported(job);
}

std::size_t batch_submit_allowance(const std::vector<json>& jobs, std::size_t parallel, std::size_t pending) {
  std::size_t busy = 0;
  for (const auto& j : jobs)
    if (holds_export_slot(j)) ++busy;
  if (busy >= parallel) return 0;
  return std::min(parallel - busy, pending);
}

std::vector<std::string> parse_vm_list(const std::string& text) {
  std::vector<std::string> names;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    names.push_back(line);
  }
  return names;
}

bool batch_entry_failed(const BatchEntry& entry) {
  if (entry.job_id.empty()) return true;
  return text_field(entry.view, "state", "") != "done";
}

std::string render_batch_summary(const std::vector<BatchEntry>& entries) {
  std::vector<std::vector<std::string>> rows{{"VM", "JOB", "STATE", "RESULT"}};
  for (const auto& e : entries) {
    if (e.job_id.empty()) {
      rows.push_back({e.vm, "-", "refused", e.submit_error});
      continue;
    }
    const std::string state = text_field(e.view, "state", "?");
    std::string result;
    if (state == "done") {
      result = text_field(e.view, "output_dir", "");
      if (result.empty()) result = text_field(e.view, "output_path", "-");
    } else if (state == "failed" || state == "cancelled") {
      result = render_failure(e.view);
      // "job ID failed: kind: reason" -> "kind: reason" (the columns say the rest).
      for (const std::string prefix : {"job " + e.job_id + " failed: ", "job " + e.job_id + " "})
        if (result.rfind(prefix, 0) == 0) {
          result = result.substr(prefix.size());
          break;
        }
    } else {
      result = render_follow_summary(e.view);
    }
    rows.push_back({e.vm, e.job_id, state, result});
  }
  return format_table(rows);
}

}  // namespace h2k::hyperctl
