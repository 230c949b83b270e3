#include "storage/job_record_text.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <utility>
#include <vector>

namespace h2k {

namespace {

// A JSON string as nlohmann's dump writes it. Plain printable ASCII (nearly
// every id, path and name) is copied as is; anything else (escapes,
// non-ASCII, invalid UTF-8, which dump refuses) goes through nlohmann
// itself, so the two can never differ.
void put_string(std::string& out, std::string_view s) {
  const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
  });
  if (!plain) {
    out += nlohmann::json(std::string(s)).dump();
    return;
  }
  out += '"';
  out += s;
  out += '"';
}

template <typename Int>
void put_int(std::string& out, Int v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// An object's members, written in std::map order (what dump() does for
// nlohmann::json's default object type) whatever order they are added in.
class ObjectText {
public:
  ObjectText() { members_.reserve(28); }
  void str(std::string_view key, std::string_view v) { put_string(add(key), v); }
  template <typename Int>
  void num(std::string_view key, Int v) { put_int(add(key), v); }
  void boolean(std::string_view key, bool v) { add(key) += v ? "true" : "false"; }
  void raw(std::string_view key, std::string text) { add(key) = std::move(text); }

  std::string finish() {
    std::sort(members_.begin(), members_.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string out = "{";
    for (std::size_t i = 0; i < members_.size(); ++i) {
      if (i) out += ',';
      put_string(out, members_[i].first);
      out += ':';
      out += members_[i].second;
    }
    out += '}';
    return out;
  }

private:
  // Keys are string literals: no copy.
  std::string& add(std::string_view key) { return members_.emplace_back(key, std::string()).second; }
  std::vector<std::pair<std::string_view, std::string>> members_;
};

std::string string_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    put_string(out, items[i]);
  }
  out += ']';
  return out;
}

std::string export_source_text(const ExportSource& x) {
  ObjectText o;
  o.str("vcenter", x.vcenter);
  o.str("vm", x.vm);
  o.str("datacenter", x.datacenter);
  o.str("username", x.username);
  o.str("thumbprint", x.thumbprint);
  o.str("ca_file", x.ca_file);
  o.boolean("insecure", x.insecure);
  o.boolean("shutdown", x.shutdown);
  o.boolean("define", x.define);
  o.boolean("exported", x.exported);
  o.num("exported_epoch", x.exported_epoch);
  o.str("export_dir", x.export_dir);
  return o.finish();
}

}  // namespace

std::string job_record_text(const Job& job) {
  ObjectText o;
  o.num("v", 2);
  o.str("id", job.id);
  o.str("source_root", job.source_root);
  std::vector<std::string> sources;
  sources.reserve(job.sources.size());
  for (const auto& s : job.sources) sources.push_back(s.generic_string());
  o.raw("sources", string_array(sources));
  o.str("file_type", job.file_type);
  o.str("priority", to_string(job.priority));
  o.str("state", to_string(job.state));
  o.num("attempts", job.attempts);
  o.num("interrupted", job.interrupted);
  o.num("crashes", job.crashes);
  o.num("epoch", job.epoch);
  o.str("holder", job.holder);
  o.num("publishing_epoch", job.publishing_epoch);
  o.str("archive_pending", job.archive_pending);
  o.num("next_attempt_at", job.next_attempt_at);
  o.num("created_at", job.created_at);
  o.num("started_at", job.started_at);
  o.num("finished_at", job.finished_at);
  o.str("output_path", job.output_path.generic_string());
  o.str("dedup_key", job.dedup_key);
  o.num("enqueue_seq", job.enqueue_seq);
  if (!job.duplicate_of.empty()) o.str("duplicate_of", job.duplicate_of);
  if (!job.last_holder.empty()) o.str("last_holder", job.last_holder);
  if (!job.needs.empty()) o.raw("needs", string_array(job.needs));
  if (job.last_error) {
    ObjectText e;
    e.str("kind", to_string(job.last_error->kind));
    e.str("reason", job.last_error->reason);
    e.str("phase", job.last_error->phase);
    o.raw("last_error", e.finish());
  } else {
    o.raw("last_error", "null");
  }
  if (job.export_source) o.raw("export_source", export_source_text(*job.export_source));
  return o.finish();
}

}  // namespace h2k
