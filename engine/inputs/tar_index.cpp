#include "engine/inputs/tar_index.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <unordered_set>

#include "engine/core/error.hpp"

namespace h2k {
namespace {

constexpr std::uint64_t kBlock = 512;

// Header field positions (POSIX ustar; GNU shares them up to the magic).
constexpr std::size_t kNameOff = 0, kNameLen = 100;
constexpr std::size_t kSizeOff = 124, kSizeLen = 12;
constexpr std::size_t kChecksumOff = 148, kChecksumLen = 8;
constexpr std::size_t kTypeOff = 156;
constexpr std::size_t kMagicOff = 257;
constexpr std::size_t kPrefixOff = 345, kPrefixLen = 155;

// Entry names come from the archive: escape control bytes before they reach
// a log or a terminal, and keep messages short.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 200)) {
    if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > 200) out += "...";
  return out;
}

[[noreturn]] void refuse(const std::string& archive, std::string_view entry, const std::string& reason) {
  throw ConversionError(ErrorKind::InvalidInput, archive, "refusing entry '" + printable(entry) + "': " + reason);
}

[[noreturn]] void corrupt(const std::string& archive, std::uint64_t offset, const std::string& reason) {
  throw ConversionError(ErrorKind::InvalidInput, archive,
                        "tar header at offset " + std::to_string(offset) + ": " + reason);
}

// A NUL-terminated (or full-width) text field.
std::string_view text_field(std::string_view block, std::size_t off, std::size_t len) {
  std::string_view f = block.substr(off, len);
  return f.substr(0, f.find('\0'));
}

bool is_blank(char c) { return c == ' ' || c == '\0'; }

// Octal number with optional leading spaces and trailing NULs/spaces, the way
// every tar writer formats numeric fields. nullopt when anything else is there.
std::optional<std::uint64_t> parse_octal(std::string_view f) {
  std::size_t i = 0;
  while (i < f.size() && f[i] == ' ') ++i;
  std::size_t digits_start = i;
  std::uint64_t value = 0;
  for (; i < f.size() && f[i] >= '0' && f[i] <= '7'; ++i) {
    if (value > (UINT64_MAX >> 3)) return std::nullopt;
    value = (value << 3) | static_cast<std::uint64_t>(f[i] - '0');
  }
  if (i == digits_start) return std::nullopt;
  for (; i < f.size(); ++i)
    if (!is_blank(f[i])) return std::nullopt;
  return value;
}

// GNU tar stores sizes of 8 GiB and more in base-256: the first byte's high
// bit is set and the remaining bits are a big-endian number. Large VMDKs in
// OVAs made by GNU tar use this.
std::optional<std::uint64_t> parse_base256(std::string_view f) {
  auto first = static_cast<unsigned char>(f[0]);
  if (first & 0x40) return std::nullopt;  // negative
  std::uint64_t value = first & 0x3f;
  for (std::size_t i = 1; i < f.size(); ++i) {
    if (value > (UINT64_MAX >> 8)) return std::nullopt;
    value = (value << 8) | static_cast<unsigned char>(f[i]);
  }
  return value;
}

std::optional<std::uint64_t> parse_size_field(std::string_view f) {
  if (!f.empty() && (static_cast<unsigned char>(f[0]) & 0x80)) return parse_base256(f);
  return parse_octal(f);
}

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

bool all_zero(std::string_view block) {
  for (char c : block)
    if (c != '\0') return false;
  return true;
}

// Historic tars summed signed chars, so both sums are accepted.
bool checksum_matches(std::string_view block, std::uint64_t stored, std::uint64_t* computed_out) {
  std::uint64_t unsigned_sum = 0;
  std::int64_t signed_sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i) {
    bool in_field = i >= kChecksumOff && i < kChecksumOff + kChecksumLen;
    unsigned char u = in_field ? ' ' : static_cast<unsigned char>(block[i]);
    signed char s = in_field ? ' ' : static_cast<signed char>(block[i]);
    unsigned_sum += u;
    signed_sum += s;
  }
  *computed_out = unsigned_sum;
  return stored == unsigned_sum || static_cast<std::int64_t>(stored) == signed_sum;
}

// True when `raw` has a ".." component, splitting on '/' and also on '\\':
// a Windows extractor would honour the backslash, and no OVA member needs one.
bool has_dotdot(std::string_view raw) {
  std::size_t start = 0;
  while (start <= raw.size()) {
    std::size_t end = raw.find_first_of("/\\", start);
    if (end == std::string_view::npos) end = raw.size();
    if (raw.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

std::optional<std::string> try_normalise(std::string_view raw, std::string* why) {
  if (raw.find('\0') != std::string_view::npos) {
    *why = "the name contains a NUL byte";
    return std::nullopt;
  }
  if (!raw.empty() && (raw[0] == '/' || raw[0] == '\\')) {
    *why = "absolute path (an archive member must be relative)";
    return std::nullopt;
  }
  if (raw.size() >= 2 && raw[1] == ':' && std::isalpha(static_cast<unsigned char>(raw[0]))) {
    *why = "absolute path with a drive letter";
    return std::nullopt;
  }
  if (has_dotdot(raw)) {
    *why = "path contains a '..' component that would escape the archive";
    return std::nullopt;
  }
  std::string out;
  std::size_t start = 0;
  while (start <= raw.size()) {
    std::size_t end = raw.find('/', start);
    if (end == std::string_view::npos) end = raw.size();
    std::string_view part = raw.substr(start, end - start);
    if (!part.empty() && part != ".") {
      if (!out.empty()) out += '/';
      out += part;
    }
    start = end + 1;
  }
  return out;
}

struct PaxOverrides {
  std::optional<std::string> path;
  std::optional<std::uint64_t> size;
};

// pax extended header: records "<len> <key>=<value>\n", len counting the whole record.
PaxOverrides parse_pax(std::string_view data, const std::string& archive, std::uint64_t offset) {
  PaxOverrides out;
  while (!data.empty()) {
    if (all_zero(data)) break;  // some writers pad the record block with NULs
    std::size_t space = data.find(' ');
    if (space == std::string_view::npos || space == 0) corrupt(archive, offset, "malformed pax record (no length)");
    auto len = parse_decimal(data.substr(0, space));
    if (!len || *len <= space + 1 || *len > data.size())
      corrupt(archive, offset, "malformed pax record (bad length)");
    std::string_view record = data.substr(0, static_cast<std::size_t>(*len));
    if (record.back() != '\n') corrupt(archive, offset, "malformed pax record (not newline-terminated)");
    std::string_view kv = record.substr(space + 1, record.size() - space - 2);
    std::size_t eq = kv.find('=');
    if (eq == std::string_view::npos || eq == 0) corrupt(archive, offset, "malformed pax record (no key=value)");
    std::string_view key = kv.substr(0, eq), value = kv.substr(eq + 1);
    if (key == "path") {
      out.path = std::string(value);
    } else if (key == "size") {
      out.size = parse_decimal(value);
      if (!out.size) corrupt(archive, offset, "pax size '" + printable(value) + "' is not a decimal number");
    } else if (key.substr(0, 11) == "GNU.sparse.") {
      corrupt(archive, offset, "sparse archive members are not supported");
    }
    data.remove_prefix(record.size());
  }
  return out;
}

std::string type_problem(char type) {
  switch (type) {
    case '1': return "hard links are not allowed in an OVA";
    case '2': return "symbolic links are not allowed in an OVA";
    case '3': return "character device nodes are not allowed in an OVA";
    case '4': return "block device nodes are not allowed in an OVA";
    case '6': return "FIFOs are not allowed in an OVA";
    case 'S': return "GNU sparse members are not supported";
    default: return "unsupported tar entry type '" + printable(std::string(1, type)) + "'";
  }
}

}  // namespace

std::string normalise_tar_path(std::string_view raw, const std::string& archive_name) {
  std::string why;
  auto out = try_normalise(raw, &why);
  if (!out) refuse(archive_name, raw, why);
  return *out;
}

TarIndex TarIndex::open(const std::filesystem::path& archive, const TarLimits& limits) {
  FileByteSource source(archive);
  return parse(source, limits);
}

const TarEntry* TarIndex::find_file(std::string_view name) const {
  std::string why;
  auto key = try_normalise(name, &why);
  if (!key) return nullptr;
  for (const auto& e : entries_)
    if (e.type == TarEntryType::File && e.name == *key) return &e;
  return nullptr;
}

TarIndex TarIndex::parse(const ByteSource& source, const TarLimits& limits) {
  const std::string& archive_name = source.name();
  TarIndex index;
  index.archive_name_ = archive_name;
  const std::uint64_t total = source.size();
  std::unordered_set<std::string> seen;
  std::optional<std::string> long_name;  // from a GNU 'L' record
  PaxOverrides pax;                       // from a pax 'x' record
  bool pending_meta = false;
  std::uint64_t pos = 0;
  std::size_t headers = 0;

  while (pos < total) {
    if (++headers > limits.max_entries * 3)
      corrupt(archive_name, pos, "more than " + std::to_string(limits.max_entries) + " entries");
    if (total - pos < kBlock) corrupt(archive_name, pos, "truncated header (the archive ends mid-block)");
    std::string block = source.read(pos, kBlock);
    if (block.size() < kBlock) corrupt(archive_name, pos, "truncated header (short read)");
    if (all_zero(block)) break;  // end-of-archive marker

    auto stored_sum = parse_octal(block.substr(kChecksumOff, kChecksumLen));
    std::uint64_t computed = 0;
    if (!stored_sum)
      corrupt(archive_name, pos, "checksum field is not an octal number; not a tar header");
    if (!checksum_matches(block, *stored_sum, &computed))
      corrupt(archive_name, pos,
              "header checksum mismatch (stored " + std::to_string(*stored_sum) + ", computed " +
                  std::to_string(computed) + ") for entry '" +
                  printable(text_field(block, kNameOff, kNameLen)) + "'; the archive is corrupt");

    const char type = block[kTypeOff];
    std::string header_name(text_field(block, kNameOff, kNameLen));
    // Only POSIX ustar ("ustar\0") has a prefix field; GNU uses that space for other data.
    if (std::string_view(block).substr(kMagicOff, 6) == std::string_view("ustar\0", 6)) {
      std::string_view prefix = text_field(block, kPrefixOff, kPrefixLen);
      if (!prefix.empty()) header_name = std::string(prefix) + "/" + header_name;
    }

    auto field_size = parse_size_field(std::string_view(block).substr(kSizeOff, kSizeLen));
    const bool meta = type == 'L' || type == 'K' || type == 'x' || type == 'g';
    std::string shown_name = meta ? header_name : pax.path.value_or(long_name.value_or(header_name));
    if (!field_size) refuse(archive_name, shown_name, "size field is not an octal number");
    std::uint64_t size = (!meta && pax.size) ? *pax.size : *field_size;

    const std::uint64_t data_offset = pos + kBlock;
    if (size > limits.max_entry_size)
      refuse(archive_name, shown_name,
             "declares a size of " + std::to_string(size) + " bytes, more than the " +
                 std::to_string(limits.max_entry_size) + "-byte limit");
    if (size > total - std::min(total, data_offset))
      refuse(archive_name, shown_name,
             "declares " + std::to_string(size) + " bytes but only " +
                 std::to_string(total - std::min(total, data_offset)) +
                 " remain in the archive (truncated or corrupt)");
    const std::uint64_t next = data_offset + (size + kBlock - 1) / kBlock * kBlock;

    if (meta) {
      if (size > limits.max_meta_record_size)
        refuse(archive_name, header_name, "metadata record of " + std::to_string(size) + " bytes is too large");
      std::string data = source.read(data_offset, static_cast<std::size_t>(size));
      if (data.size() != size) corrupt(archive_name, pos, "short read of a metadata record");
      if (type == 'L') {
        long_name = data.substr(0, data.find('\0'));
      } else if (type == 'x') {
        PaxOverrides p = parse_pax(data, archive_name, pos);
        if (p.path) pax.path = p.path;
        if (p.size) pax.size = p.size;
      }
      // 'K' (GNU long link target) and 'g' (pax global) carry nothing an OVA
      // member needs; a link they describe is refused when its header arrives.
      pending_meta = true;
      pos = next;
      continue;
    }

    std::string raw_name = pax.path.value_or(long_name.value_or(header_name));
    long_name.reset();
    pax = {};
    pending_meta = false;

    TarEntryType entry_type;
    if (type == '0' || type == '\0' || type == '7') {
      // Pre-POSIX tars mark directories only with a trailing slash.
      entry_type = (!raw_name.empty() && raw_name.back() == '/' && size == 0) ? TarEntryType::Directory
                                                                             : TarEntryType::File;
    } else if (type == '5') {
      entry_type = TarEntryType::Directory;
    } else {
      refuse(archive_name, raw_name, type_problem(type));
    }

    std::string name = normalise_tar_path(raw_name, archive_name);
    if (name.empty()) {
      if (entry_type == TarEntryType::File) refuse(archive_name, raw_name, "a file entry has an empty name");
      pos = next;  // "./": the archive root itself
      continue;
    }
    if (!seen.insert(name).second)
      refuse(archive_name, raw_name, "the name appears more than once in the archive");
    if (index.entries_.size() >= limits.max_entries)
      corrupt(archive_name, pos, "more than " + std::to_string(limits.max_entries) + " entries");
    index.entries_.push_back(TarEntry{name, data_offset, size, entry_type});
    pos = next;
  }
  if (pending_meta)
    throw ConversionError(ErrorKind::InvalidInput, archive_name,
                          "the archive ends with a long-name/pax record that describes no entry (truncated)");
  return index;
}

}  // namespace h2k
