// Parser for the VMDK text descriptor (VMware "Virtual Disk Format 5.0", §4).
#include <algorithm>
#include <charconv>
#include <string>

#include "engine/core/error.hpp"
#include "engine/formats/vmdk.hpp"

namespace h2k {
namespace {

constexpr std::size_t kMaxExtents = 65536;  // 62 TiB in 2 GiB pieces is ~32k
// qemu-img leaves at most the length difference of two CIDs (8 hex digits)
// behind a rewritten descriptor's terminator; allow some slack.
constexpr std::size_t kMaxStaleTailBytes = 32;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string shown(std::string_view s) { return "'" + std::string(s.substr(0, 200)) + "'"; }

// Error for a given line; every reason in this file goes through here so the
// message always carries the line number.
struct LineError {
  const std::string& source;
  int line;
  [[noreturn]] void invalid(const std::string& reason) const {
    throw ConversionError(ErrorKind::InvalidInput, source, "line " + std::to_string(line) + ": " + reason);
  }
  [[noreturn]] void unsupported(const std::string& reason) const {
    throw ConversionError(ErrorKind::Unsupported, source, "line " + std::to_string(line) + ": " + reason);
  }
};

std::uint64_t parse_decimal(std::string_view token, const LineError& err, const char* what) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value, 10);
  if (token.empty() || ec == std::errc::invalid_argument || end != token.data() + token.size())
    err.invalid(std::string("bad extent line: ") + what + " " + shown(token) + " is not a number");
  if (ec == std::errc::result_out_of_range) err.invalid(std::string("bad extent line: ") + what + " " + shown(token) + " is absurdly large");
  return value;
}

std::uint32_t parse_cid(std::string_view value, const LineError& err, const char* key) {
  std::uint32_t cid = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), cid, 16);
  if (value.empty() || ec != std::errc{} || end != value.data() + value.size())
    err.invalid(std::string(key) + " " + shown(value) + " is not an 8-digit hex number");
  return cid;
}

// Takes the next whitespace-separated token off `rest`.
std::string_view next_token(std::string_view& rest) {
  rest = trim(rest);
  std::size_t end = 0;
  while (end < rest.size() && !is_space(rest[end])) ++end;
  std::string_view token = rest.substr(0, end);
  rest.remove_prefix(end);
  return token;
}

std::optional<VmdkAccess> access_from(std::string_view word) {
  if (word == "RW") return VmdkAccess::ReadWrite;
  if (word == "RDONLY") return VmdkAccess::ReadOnly;
  if (word == "NOACCESS") return VmdkAccess::NoAccess;
  return std::nullopt;
}

VmdkExtentType extent_type_from(std::string_view word, const LineError& err) {
  if (word == "SPARSE") return VmdkExtentType::Sparse;
  if (word == "FLAT") return VmdkExtentType::Flat;
  if (word == "ZERO") return VmdkExtentType::Zero;
  if (word == "VMFS") return VmdkExtentType::Vmfs;
  if (word == "VMFSSPARSE") return VmdkExtentType::VmfsSparse;
  if (word == "SESPARSE") return VmdkExtentType::SeSparse;
  if (word == "VMFSRDM" || word == "VMFSRAW")
    err.unsupported("extent type " + std::string(word) + " is a raw device mapping: the data is on a SAN LUN, not in a file");
  err.invalid("bad extent line: unknown extent type " + shown(word));
}

// Extent names come from untrusted files (an OVA off the internet): they must
// stay inside the descriptor's folder.
void check_extent_filename(std::string_view name, const LineError& err) {
  if (name.empty()) err.invalid("bad extent line: empty extent file name");
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20) err.invalid("extent file name contains control characters");
  }
  if (name.front() == '/') err.invalid("extent file name " + shown(name) + " is an absolute path; extents must be in the descriptor's folder");
  if (name.find('\\') != std::string_view::npos)
    err.invalid("extent file name " + shown(name) + " contains a backslash; extents must be in the descriptor's folder");
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t slash = name.find('/', start);
    std::string_view part = name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == "..") err.invalid("extent file name " + shown(name) + " escapes the descriptor's folder ('..')");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
}

VmdkExtent parse_extent_line(std::string_view line, const LineError& err) {
  VmdkExtent extent;
  extent.line = err.line;
  std::string_view rest = line;
  extent.access = *access_from(next_token(rest));
  extent.size_sectors = parse_decimal(next_token(rest), err, "size");
  if (extent.size_sectors == 0) err.invalid("bad extent line: extent size is 0 sectors");
  if (extent.size_sectors > kMaxDiskBytes / 512)
    err.invalid("bad extent line: absurd extent size of " + std::to_string(extent.size_sectors) + " sectors");
  std::string_view type_word = next_token(rest);
  if (type_word.empty()) err.invalid("bad extent line: no extent type");
  extent.type = extent_type_from(type_word, err);

  rest = trim(rest);
  if (extent.type == VmdkExtentType::Zero) {
    if (!rest.empty()) err.invalid("bad extent line: a ZERO extent takes no file name");
    return extent;
  }
  if (rest.empty() || rest.front() != '"') err.invalid("bad extent line: expected a quoted file name");
  std::size_t close = rest.find('"', 1);
  if (close == std::string_view::npos) err.invalid("bad extent line: unterminated file name quote");
  std::string_view name = rest.substr(1, close - 1);
  check_extent_filename(name, err);
  extent.filename = std::string(name);
  rest.remove_prefix(close + 1);

  std::string_view offset = next_token(rest);
  if (!offset.empty()) {
    extent.offset_sectors = parse_decimal(offset, err, "offset");
    if (extent.offset_sectors > kMaxDiskBytes / 512)
      err.invalid("bad extent line: absurd extent offset of " + std::to_string(extent.offset_sectors) + " sectors");
  }
  if (!trim(rest).empty()) err.invalid("bad extent line: unexpected text " + shown(trim(rest)) + " after the offset");
  return extent;
}

std::string unquote(std::string_view value) {
  value = trim(value);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  return std::string(value);
}

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

std::optional<std::uint64_t> to_number(const std::string& s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

void fill_ddb_views(VmdkDescriptor& d) {
  auto get = [&](const char* key) -> std::string {
    auto it = d.ddb.find(key);
    return it == d.ddb.end() ? std::string() : it->second;
  };
  d.adapter_type = get("adapterType");
  d.virtual_hw_version = get("virtualHWVersion");
  d.uuid = get("uuid");
  auto c = to_number(get("geometry.cylinders"));
  auto h = to_number(get("geometry.heads"));
  auto s = to_number(get("geometry.sectors"));
  if (c && h && s && *h <= 255 && *s <= 255)
    d.geometry = VmdkGeometry{*c, static_cast<std::uint32_t>(*h), static_cast<std::uint32_t>(*s)};
}

bool is_device_create_type(const std::string& t) {
  return t == "fullDevice" || t == "partitionedDevice" || t == "vmfsRawDeviceMap" ||
         t == "vmfsPassthroughRawDeviceMap";
}

}  // namespace

const char* to_string(VmdkAccess access) {
  switch (access) {
    case VmdkAccess::ReadWrite: return "RW";
    case VmdkAccess::ReadOnly: return "RDONLY";
    case VmdkAccess::NoAccess: return "NOACCESS";
  }
  return "?";
}

const char* to_string(VmdkExtentType type) {
  switch (type) {
    case VmdkExtentType::Sparse: return "SPARSE";
    case VmdkExtentType::Flat: return "FLAT";
    case VmdkExtentType::Zero: return "ZERO";
    case VmdkExtentType::Vmfs: return "VMFS";
    case VmdkExtentType::VmfsSparse: return "VMFSSPARSE";
    case VmdkExtentType::SeSparse: return "SESPARSE";
  }
  return "?";
}

std::uint64_t VmdkDescriptor::capacity_sectors() const {
  std::uint64_t total = 0;
  for (const auto& e : extents) total += e.size_sectors;  // bounded by the parser
  return total;
}

VmdkDescriptor parse_vmdk_descriptor(std::string_view text, const std::string& source_name) {
  VmdkDescriptor d;
  bool seen_version = false, seen_cid = false, seen_parent = false, seen_type = false;
  int parent_line = 0, type_line = 0;
  std::uint64_t total_sectors = 0;

  // Descriptors written by VMware and by `qemu-img convert` are padded to a
  // whole sector with NUL bytes; the text ends at the first NUL, as qemu
  // reads it. qemu-img rewrites the CID in place, so a shorter CID leaves the
  // old text's last few bytes behind the terminator (`\0"\n\0\0...`): a
  // short stale tail is ignored, but more text after a NUL is a damaged
  // descriptor, never silently cut (that could drop extents).
  if (std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
    std::size_t stale = 0;
    for (char c : text.substr(nul)) stale += c != '\0';
    if (stale > kMaxStaleTailBytes) {
      LineError err{source_name, 1 + static_cast<int>(std::count(text.begin(), text.begin() + nul, '\n'))};
      err.invalid("binary data in the descriptor (" + std::to_string(stale) + " bytes after a NUL at byte " +
                  std::to_string(nul) + ")");
    }
    text = text.substr(0, nul);
  }

  int line_no = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    std::string_view raw = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    start = end == std::string_view::npos ? text.size() : end + 1;
    ++line_no;
    LineError err{source_name, line_no};
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (line.find('\0') != std::string_view::npos) err.invalid("binary data in the descriptor");

    std::string_view probe = line;
    if (access_from(next_token(probe))) {
      if (d.extents.size() >= kMaxExtents) err.invalid("too many extents (more than " + std::to_string(kMaxExtents) + ")");
      VmdkExtent extent = parse_extent_line(line, err);
      total_sectors += extent.size_sectors;
      if (total_sectors > kMaxDiskBytes / 512)
        err.invalid("absurd disk size: extents add up to more than " + std::to_string(kMaxDiskBytes >> 40) + " TiB");
      d.extents.push_back(std::move(extent));
      continue;
    }

    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) err.invalid("unrecognised line " + shown(line) + " (neither key=value nor an extent)");
    std::string_view key = trim(line.substr(0, eq));
    if (key.empty()) err.invalid("line starts with '=': missing key");
    for (char c : key) {
      if (!is_key_char(c)) err.invalid("bad key " + shown(key));
    }
    std::string value = unquote(line.substr(eq + 1));

    auto once = [&](bool& seen) {
      if (seen) err.invalid("'" + std::string(key) + "' is given twice");
      seen = true;
    };
    if (key == "version") {
      once(seen_version);
      auto v = to_number(value);
      if (!v || *v < 1 || *v > 3) err.unsupported("descriptor version " + shown(value) + " (expected 1, 2 or 3)");
      d.version = static_cast<int>(*v);
    } else if (key == "CID") {
      once(seen_cid);
      d.cid = parse_cid(value, err, "CID");
    } else if (key == "parentCID") {
      once(seen_parent);
      d.parent_cid = parse_cid(value, err, "parentCID");
      parent_line = line_no;
    } else if (key == "createType") {
      once(seen_type);
      d.create_type = value;
      type_line = line_no;
    } else if (key.substr(0, 4) == "ddb.") {
      d.ddb[std::string(key.substr(4))] = value;
    } else {
      d.other[std::string(key)] = value;
    }
  }

  if (d.parent_cid != 0xffffffffu)
    LineError{source_name, parent_line}.unsupported(
        "snapshot (delta) disk: convert the base disk or consolidate snapshots first");
  if (!seen_type) throw ConversionError(ErrorKind::InvalidInput, source_name, "not a VMDK descriptor: no createType line");
  if (d.create_type.empty()) LineError{source_name, type_line}.invalid("createType is empty");
  if (is_device_create_type(d.create_type))
    LineError{source_name, type_line}.unsupported("createType '" + d.create_type +
                                                  "' refers to a physical device, not a disk file");
  if (d.extents.empty())
    throw ConversionError(ErrorKind::InvalidInput, source_name, "descriptor lists no extents (no RW/RDONLY lines)");
  fill_ddb_views(d);
  return d;
}

}  // namespace h2k
