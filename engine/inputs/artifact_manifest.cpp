// Artifact Manifest v1: strict on the keys it reads (an error names the JSON
// key), silent on keys it does not know (newer 1.x producers add some), and
// the disk checks the watcher and the loader share.
#include "engine/core/hex.hpp"
#include "engine/inputs/artifact_manifest.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <system_error>

#include <nlohmann/json.hpp>

#include "engine/core/error.hpp"
#include "engine/core/fs.hpp"
#include "engine/inputs/mac_address.hpp"

namespace h2k {
namespace {

using nlohmann::json;

constexpr std::uintmax_t kMaxManifestBytes = 16u << 20;
constexpr std::size_t kHashBlock = 4u << 20;
constexpr std::uint64_t kMiB = 1024 * 1024;
// KVM's own vCPU ceiling; a larger count is a broken manifest, not a big VM.
constexpr std::uint64_t kMaxVcpus = 4096;

// Reads keys of one manifest; every error names the manifest and the key.
class Reader {
public:
  explicit Reader(const std::filesystem::path& manifest) : file_(manifest.string()) {}

  [[noreturn]] void bad(const std::string& key, const std::string& why) const { throw_invalid(file_, key + ": " + why); }
  [[noreturn]] void unsupported(const std::string& key, const std::string& why) const {
    throw ConversionError(ErrorKind::Unsupported, file_, key + ": " + why);
  }

  // The member, or nullptr when absent or null (producers write null for "not known").
  static const json* member(const json& obj, const char* key) {
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
  }

  const json& object(const json& obj, const char* key, const std::string& name) const {
    const json* v = member(obj, key);
    if (!v) bad(name, "is required");
    if (!v->is_object()) bad(name, "must be an object");
    return *v;
  }

  std::string string(const json& obj, const char* key, const std::string& name, bool required) const {
    const json* v = member(obj, key);
    if (!v) {
      if (required) bad(name, "is required");
      return {};
    }
    if (!v->is_string()) bad(name, "must be a string");
    std::string s = v->get<std::string>();
    if (s.find('\0') != std::string::npos) bad(name, "contains a NUL character");
    if (required && s.empty()) bad(name, "must not be empty");
    return s;
  }

  std::optional<std::uint64_t> uint(const json& obj, const char* key, const std::string& name, bool required) const {
    const json* v = member(obj, key);
    if (!v) {
      if (required) bad(name, "is required");
      return std::nullopt;
    }
    if (!v->is_number_unsigned()) bad(name, "must be a non-negative integer");
    return v->get<std::uint64_t>();
  }

private:
  std::string file_;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

void read_version(const Reader& r, const json& doc, ArtifactManifest& m) {
  m.manifest_version = r.string(doc, "manifest_version", "manifest_version", true);
  const std::string& v = m.manifest_version;
  const auto dot = v.find('.');
  const std::string major = v.substr(0, dot);
  const std::string minor = dot == std::string::npos ? "" : v.substr(dot + 1);
  if (!all_digits(major) || (dot != std::string::npos && !all_digits(minor)))
    r.bad("manifest_version", "\"" + v + "\" is not a version such as \"1.0\"");
  const auto significant = major.find_first_not_of('0');  // "01" is 1
  if (significant == std::string::npos || major.substr(significant) != "1")
    r.unsupported("manifest_version", "\"" + v + "\" is not supported (this hyper2kvm reads 1.x manifests)");
  if (!minor.empty() && minor.find_first_not_of('0') != std::string::npos)
    m.warnings.push_back("manifest_version " + v + " is newer than 1.0; keys this reader does not know are ignored");
}

Firmware firmware_named(const Reader& r, const std::string& value, const std::string& key) {
  const std::string f = lower(value);
  if (f == "bios") return Firmware::Bios;
  if (f == "uefi" || f == "efi") return Firmware::Efi;
  if (f.empty() || f == "unknown") return Firmware::Unknown;
  r.bad(key, "\"" + value + "\" is not one of bios, uefi, unknown");
}

void read_cpu(const Reader& r, const json* vm, const json* metadata, ArtifactManifest& m) {
  std::optional<std::uint64_t> cpu;
  if (vm) cpu = r.uint(*vm, "cpu", "vm.cpu", false);
  if (cpu) {
    if (*cpu < 1 || *cpu > kMaxVcpus) r.bad("vm.cpu", "must be an integer from 1 to " + std::to_string(kMaxVcpus));
    m.cpu = static_cast<int>(*cpu);
    return;
  }
  // metadata is a free-form section: a value we cannot use is skipped, not fatal.
  const json* v = metadata ? Reader::member(*metadata, "vcpus") : nullptr;
  if (!v) return;
  if (v->is_number_unsigned() && v->get<std::uint64_t>() >= 1 && v->get<std::uint64_t>() <= kMaxVcpus)
    m.cpu = static_cast<int>(v->get<std::uint64_t>());
  else
    m.warnings.push_back("metadata.vcpus (" + v->dump() + ") is not a usable vCPU count; ignored");
}

void read_memory(const Reader& r, const json* vm, const json* metadata, ArtifactManifest& m) {
  if (const json* gb = vm ? Reader::member(*vm, "mem_gb") : nullptr) {
    // Fractional GiB (0.5) occur for small VMs.
    if (!gb->is_number() || gb->get<double>() <= 0 || gb->get<double>() > 1e9)
      r.bad("vm.mem_gb", "must be a positive number");
    m.memory_mib = static_cast<std::uint64_t>(std::llround(gb->get<double>() * 1024));
    return;
  }
  if (auto mb = vm ? r.uint(*vm, "memory_mb", "vm.memory_mb", false) : std::nullopt) {
    if (*mb < 1) r.bad("vm.memory_mb", "must be a positive integer");
    m.memory_mib = *mb;
    return;
  }
  const json* v = metadata ? Reader::member(*metadata, "memory_bytes") : nullptr;
  if (!v) return;
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > 0)
    m.memory_mib = (v->get<std::uint64_t>() + kMiB - 1) / kMiB;
  else
    m.warnings.push_back("metadata.memory_bytes (" + v->dump() + ") is not a usable memory size; ignored");
}

void read_firmware(const Reader& r, const json& doc, const json* vm, ArtifactManifest& m) {
  if (vm && Reader::member(*vm, "firmware")) {
    m.firmware = firmware_named(r, r.string(*vm, "firmware", "vm.firmware", false), "vm.firmware");
  } else if (const json* top = Reader::member(doc, "firmware")) {
    // Older libvirt-side producers write a top-level "firmware": {"type": "uefi"}.
    if (top->is_object()) m.firmware = firmware_named(r, r.string(*top, "type", "firmware.type", false), "firmware.type");
    else m.firmware = firmware_named(r, r.string(doc, "firmware", "firmware", false), "firmware");
  }
  if (vm && Reader::member(*vm, "secureboot")) {
    const json& sb = vm->at("secureboot");
    if (!sb.is_boolean()) r.bad("vm.secureboot", "must be true or false");
    if (sb.get<bool>())
      m.warnings.push_back("vm.secureboot is true: the converted domain boots UEFI without Secure Boot");
  }
}

void read_os(const Reader& r, const json& doc, const json* vm, ArtifactManifest& m) {
  if (vm) m.os_hint = r.string(*vm, "os_hint", "vm.os_hint", false);
  if (m.os_hint.empty()) m.os_hint = r.string(doc, "os_hint", "os_hint", false);
  // os_version is the finer hint ("ubuntu64Guest"); keep it when it is all there is.
  if (m.os_hint.empty() && vm) m.os_hint = r.string(*vm, "os_version", "vm.os_version", false);
}

ManifestNic read_nic(const Reader& r, const json& n, const std::string& key, std::vector<std::string>& warnings) {
  if (!n.is_object()) r.bad(key, "must be an object");
  ManifestNic nic;
  const std::string mac = r.string(n, "mac", key + ".mac", false);
  if (!mac.empty()) {
    if (auto norm = normalise_mac(mac)) nic.mac = *norm;
    else warnings.push_back(key + ".mac: '" + mac + "' is not a MAC address; a new one will be generated");
  }
  nic.network = r.string(n, "network", key + ".network", false);
  nic.model = r.string(n, "model", key + ".model", false);
  return nic;
}

void read_nics(const Reader& r, const json& doc, const json* vm, const json* metadata, ArtifactManifest& m) {
  const json* list = vm ? Reader::member(*vm, "nics") : nullptr;
  std::string key = "vm.nics";
  if (!list) {
    list = Reader::member(doc, "nics");
    key = "nics";
  } else if (Reader::member(doc, "nics")) {
    m.warnings.push_back("both vm.nics and nics are present; vm.nics is used");
  }
  if (list) {
    if (!list->is_array()) r.bad(key, "must be an array");
    for (std::size_t i = 0; i < list->size(); ++i)
      m.nics.push_back(read_nic(r, (*list)[i], key + "[" + std::to_string(i) + "]", m.warnings));
    return;
  }
  // libvirt-side producers list NICs as metadata.networks [{type, source, mac, model}].
  const json* nets = metadata ? Reader::member(*metadata, "networks") : nullptr;
  if (!nets) return;
  if (!nets->is_array()) {
    m.warnings.push_back("metadata.networks is not an array; ignored");
    return;
  }
  for (std::size_t i = 0; i < nets->size(); ++i) {
    const json& n = (*nets)[i];
    const std::string k = "metadata.networks[" + std::to_string(i) + "]";
    if (!n.is_object()) {
      m.warnings.push_back(k + " is not an object; ignored");
      continue;
    }
    try {
      ManifestNic nic = read_nic(r, n, k, m.warnings);
      if (nic.network.empty()) nic.network = r.string(n, "source", k + ".source", false);
      m.nics.push_back(std::move(nic));
    } catch (const ConversionError& e) {
      m.warnings.push_back(e.reason() + "; this entry is ignored");
    }
  }
}

bool path_exists(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::exists(p, ec);
}

// Relative paths are relative to the manifest's folder. An absolute path is
// often the export host's own mount of the share this host sees elsewhere, so
// when it does not exist here the file of the same name beside the manifest is
// taken. When neither exists yet (a transfer under way), the written path is
// expected if its folder exists here, else the one beside the manifest.
std::filesystem::path resolve(const std::filesystem::path& dir, const ManifestDisk& d, const std::string& key,
                              std::vector<std::string>& warnings) {
  if (d.local_path.is_relative()) return (dir / d.local_path).lexically_normal();
  const auto written = d.local_path.lexically_normal();
  if (path_exists(written)) return written;
  const auto beside = dir / written.filename();
  if (path_exists(beside)) {
    warnings.push_back(key + ": '" + d.local_path.string() + "' does not exist; using " + beside.string() +
                       " next to the manifest");
    return beside;
  }
  const auto expected = path_exists(written.parent_path()) ? written : beside;
  warnings.push_back(key + ": neither '" + d.local_path.string() + "' nor " + beside.string() + " exists (yet); expecting " +
                     expected.string());
  return expected;
}

std::string read_sha256(const Reader& r, const json& d, const std::string& key) {
  std::string c = r.string(d, "checksum", key, false);
  if (c.empty()) return {};
  if (lower(c.substr(0, 7)) == "sha256:") c = c.substr(7);
  if (c.size() != 64 || !is_hex(c)) r.bad(key, "must be \"sha256:\" followed by 64 hex digits");
  return lower(c);
}

ManifestDisk read_disk(const Reader& r, const json& d, const std::string& key) {
  if (!d.is_object()) r.bad(key, "must be an object");
  ManifestDisk disk;
  disk.id = r.string(d, "id", key + ".id", true);
  disk.source_format = lower(r.string(d, "source_format", key + ".source_format", true));
  static const char* const kFormats[] = {"vmdk", "qcow2", "raw", "vhd", "vhdx", "img"};
  if (std::find(std::begin(kFormats), std::end(kFormats), disk.source_format) == std::end(kFormats))
    r.unsupported(key + ".source_format", "\"" + disk.source_format + "\" is not one of vmdk, qcow2, raw, vhd, vhdx, img");
  disk.bytes = *r.uint(d, "bytes", key + ".bytes", true);
  disk.local_path = r.string(d, "local_path", key + ".local_path", true);
  disk.sha256 = read_sha256(r, d, key + ".checksum");
  if (auto hint = r.uint(d, "boot_order_hint", key + ".boot_order_hint", false)) {
    if (*hint > static_cast<std::uint64_t>(INT_MAX)) r.bad(key + ".boot_order_hint", "is too large");
    disk.boot_order_hint = static_cast<int>(*hint);
  }
  disk.disk_type = r.string(d, "disk_type", key + ".disk_type", false);
  return disk;
}

void read_disks(const Reader& r, const json& doc, const std::filesystem::path& dir, ArtifactManifest& m) {
  const json* list = Reader::member(doc, "disks");
  if (!list) r.bad("disks", "is required");
  if (!list->is_array()) r.bad("disks", "must be an array");
  if (list->empty()) r.bad("disks", "must name at least one disk");
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string key = "disks[" + std::to_string(i) + "]";
    ManifestDisk disk = read_disk(r, (*list)[i], key);
    if (auto [it, fresh] = seen.emplace(disk.id, i); !fresh)
      r.bad(key + ".id", "\"" + disk.id + "\" is also the id of disks[" + std::to_string(it->second) + "]");
    disk.resolved_path = resolve(dir, disk, key + ".local_path", m.warnings);
    m.disks.push_back(std::move(disk));
  }
}

}  // namespace

ArtifactManifest parse_artifact_manifest(std::string_view json_text, const std::filesystem::path& manifest_path) {
  const Reader r(manifest_path);
  json doc;
  try {
    doc = json::parse(json_text.begin(), json_text.end());
  } catch (const json::exception& e) {
    // nlohmann's message says where the JSON breaks ("at line 4, column 3").
    throw_invalid(manifest_path.string(), std::string("not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) throw_invalid(manifest_path.string(), "the manifest must be a JSON object");

  ArtifactManifest m;
  read_version(r, doc, m);
  if (const json* source = Reader::member(doc, "source")) {
    if (!source->is_object()) r.bad("source", "must be an object");
    m.vm_name = r.string(*source, "vm_name", "source.vm_name", false);
  }
  const json* vm = Reader::member(doc, "vm");
  if (vm && !vm->is_object()) r.bad("vm", "must be an object");
  const json* metadata = Reader::member(doc, "metadata");
  if (metadata && !metadata->is_object()) metadata = nullptr;  // free-form: never a reason to refuse
  read_cpu(r, vm, metadata, m);
  read_memory(r, vm, metadata, m);
  read_firmware(r, doc, vm, m);
  read_os(r, doc, vm, m);
  read_nics(r, doc, vm, metadata, m);
  const auto dir = std::filesystem::absolute(manifest_path).lexically_normal().parent_path();
  read_disks(r, doc, dir, m);
  return m;
}

ArtifactManifest read_artifact_manifest(const std::filesystem::path& manifest_path) {
  return parse_artifact_manifest(read_text_file(manifest_path, kMaxManifestBytes), manifest_path);
}

// ---- verification ----------------------------------------------------------

namespace {

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Hashes the file and appends a problem when it cannot be read, its length
// changed since it was measured, or the digest differs.
void check_digest(const ManifestDisk& d, const CancelToken& cancel, std::uint64_t& done, std::uint64_t total,
                  const std::function<void(std::uint64_t, std::uint64_t)>& progress, std::vector<std::string>& problems) {
  const std::string name = d.resolved_path.string();
  FdCloser f{::open(d.resolved_path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    problems.push_back(name + ": cannot be read: " + std::strerror(errno));
    return;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw ConversionError(ErrorKind::Internal, name, "OpenSSL cannot start a SHA-256 digest");
  std::vector<char> block(kHashBlock);
  std::uint64_t hashed = 0;
  for (;;) {
    cancel.throw_if_cancelled(name);
    ssize_t n = ::read(f.fd, block.data(), block.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      problems.push_back(name + ": read failed after " + std::to_string(hashed) + " bytes: " + std::strerror(errno));
      return;
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), block.data(), static_cast<std::size_t>(n));
    hashed += static_cast<std::uint64_t>(n);
    done += static_cast<std::uint64_t>(n);
    if (progress) progress(std::min(done, total), total);
  }
  if (hashed != d.bytes) {
    problems.push_back(name + ": changed size while being checked (" + std::to_string(hashed) + " bytes read, manifest says " +
                       std::to_string(d.bytes) + ")");
    return;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  const std::string got = to_hex(md, len);
  if (got != d.sha256) problems.push_back(name + ": sha256 mismatch (manifest " + d.sha256 + ", file " + got + ")");
}

}  // namespace

std::vector<std::string> verify_manifest_disks(const ArtifactManifest& m, const CancelToken& cancel,
                                               const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  std::vector<std::string> problems;
  // Presence and size first: cheap, and hashing a short file only to report
  // a mismatch would hide the real problem (an unfinished transfer).
  std::vector<const ManifestDisk*> to_hash;
  std::uint64_t total = 0;
  for (const ManifestDisk& d : m.disks) {
    const std::string name = d.resolved_path.string();
    std::error_code ec;
    const auto status = std::filesystem::status(d.resolved_path, ec);
    if (!std::filesystem::exists(status)) {
      problems.push_back(name + ": missing (disk '" + d.id + "')");
      continue;
    }
    if (!std::filesystem::is_regular_file(status)) {
      problems.push_back(name + ": not a regular file (disk '" + d.id + "')");
      continue;
    }
    const auto size = std::filesystem::file_size(d.resolved_path, ec);
    if (ec) {
      problems.push_back(name + ": cannot be read: " + ec.message());
      continue;
    }
    if (size != d.bytes) {
      problems.push_back(name + ": size " + std::to_string(size) + " bytes, manifest says " + std::to_string(d.bytes) +
                         (size < d.bytes ? " (truncated or still being written)" : ""));
      continue;
    }
    if (!d.sha256.empty()) {
      to_hash.push_back(&d);
      total += d.bytes;
    }
  }
  std::uint64_t done = 0;
  for (const ManifestDisk* d : to_hash) check_digest(*d, cancel, done, total, progress, problems);
  // A file that shrank while hashed leaves `done` short: still report the end.
  if (progress && !to_hash.empty()) progress(total, total);
  return problems;
}

}  // namespace h2k
