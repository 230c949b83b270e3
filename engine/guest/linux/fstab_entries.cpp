#include "engine/guest/linux/fstab_entries.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest {
namespace {

// fstab writes blanks in paths as octal escapes ("/mnt/my\040disk").
std::string decode_octal_escapes(std::string_view s) {
  auto is_oct = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && is_oct(s[i + 1]) && is_oct(s[i + 2]) && is_oct(s[i + 3])) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
      continue;
    }
    out += s[i];
  }
  return out;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Filesystems that live in memory, in the kernel or on the network.
constexpr std::array<std::string_view, 22> kNoDeviceTypes = {
    "proc",  "sysfs", "devpts", "tmpfs",  "devtmpfs", "ramfs",   "securityfs", "cgroup", "cgroup2",  "debugfs",   "hugetlbfs",
    "mqueue", "nfs",  "nfs4",   "cifs",   "smbfs",    "9p",      "virtiofs",   "ceph",   "glusterfs", "fuse.sshfs", "none"};

}  // namespace

std::string unquote_tag_value(const std::string& spec) {
  auto eq = spec.find('=');
  if (eq == std::string::npos) return spec;
  std::string value(detail::unquote(std::string_view(spec).substr(eq + 1)));
  return spec.substr(0, eq + 1) + value;
}

bool FstabEntry::is_swap() const { return fstype == "swap"; }

bool FstabEntry::has_option(const std::string& key) const {
  return std::any_of(options.begin(), options.end(),
                     [&](const std::string& o) { return o == key || starts_with(o, key + "="); });
}

std::string FstabEntry::option(const std::string& key) const {
  for (const auto& o : options)
    if (starts_with(o, key + "=")) return o.substr(key.size() + 1);
  return {};
}

bool FstabEntry::required() const { return !has_option("nofail") && !has_option("noauto"); }

bool FstabEntry::on_vm_disk() const {
  if (std::find(kNoDeviceTypes.begin(), kNoDeviceTypes.end(), fstype) != kNoDeviceTypes.end()) return false;
  if (starts_with(fstype, "fuse")) return false;
  if (has_option("bind") || has_option("rbind")) return false;
  // Network sources: host:/export, //server/share.
  if (spec.find(":/") != std::string::npos || starts_with(spec, "//")) return false;
  // Removable media: CD/DVD and floppy drives are not disks we convert.
  if (fstype == "iso9660" || fstype == "udf") return false;
  for (std::string_view removable : {"/dev/sr", "/dev/cdrom", "/dev/dvd", "/dev/fd", "/dev/scd"})
    if (starts_with(spec, removable)) return false;
  if (spec == "none" || spec.empty()) return false;
  return true;
}

std::vector<FstabEntry> parse_fstab(const std::string& text) {
  std::vector<FstabEntry> entries;
  auto lines = detail::split_lines(text);
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const std::string& line = lines[n].text;
    if (detail::is_comment_or_blank(line)) continue;
    auto words = detail::split_words(line);
    if (words.size() < 2) continue;   // mount(8) ignores such lines too
    FstabEntry e;
    e.line = static_cast<int>(n + 1);
    e.text = detail::display_line(line);
    e.spec = unquote_tag_value(words[0]);
    e.mountpoint = decode_octal_escapes(words[1]);
    e.fstype = words.size() > 2 ? words[2] : "auto";
    if (words.size() > 3) e.options = split_commas(words[3]);
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace h2k::linux_guest
