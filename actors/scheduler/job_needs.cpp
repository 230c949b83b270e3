#include "actors/scheduler/job_needs.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

#include "engine/inputs/artifact_manifest.hpp"
#include "engine/inputs/ovf.hpp"
#include "engine/inputs/tar_index.hpp"
#include "engine/inputs/vmx.hpp"

namespace h2k {
namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Descriptions are small; anything larger is not one we read here.
constexpr std::uintmax_t kMaxDescriptionBytes = 4u << 20;

std::string read_small(const fs::path& p) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec || size > kMaxDescriptionBytes) return {};
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// An OVA's descriptor, read in place: the tar headers, then the .ovf member
// (the first one, as the loader picks it), never the disks.
std::string ova_descriptor(const fs::path& ova) {
  std::error_code ec;
  if (fs::file_size(ova, ec) < 1536 || ec) return {};  // smaller than one header and the end blocks: not a tar
  const TarIndex index = TarIndex::open(ova);
  for (const auto& e : index.entries()) {
    if (e.type != TarEntryType::File || lower(fs::path(e.name).extension().string()) != ".ovf") continue;
    if (e.size > kMaxDescriptionBytes) return {};
    std::ifstream in(ova, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(e.data_offset));
    std::string xml(e.size, '\0');
    in.read(xml.data(), static_cast<std::streamsize>(xml.size()));
    return in ? xml : std::string();
  }
  return {};
}

std::string os_hint_of(const fs::path& primary) {
  const std::string ext = lower(primary.extension().string());
  if (ext == ".ova") {
    const std::string xml = ova_descriptor(primary);
    return xml.empty() ? std::string() : parse_ovf(xml, primary.filename().string()).os_hint;
  }
  if (ext == ".json") return read_artifact_manifest(primary).os_hint;
  if (ext == ".ovf") return parse_ovf(read_small(primary), primary.filename().string()).os_hint;
  if (ext == ".vmx") return parse_vmx(read_small(primary), primary.filename().string()).os_hint;
  return {};
}

}  // namespace

bool is_windows_hint(const std::string& os_hint) {
  const std::string h = lower(os_hint);
  // VMware guestIds: windows9_64Guest, windows2019srv_64Guest, winNetStandardGuest,
  // win2000ProGuest, winXPProGuest, winVistaGuest, ...; manifests may say "Windows Server 2019".
  return h.rfind("win", 0) == 0 || h.find("windows") != std::string::npos;
}

std::vector<std::string> capabilities_needed(const fs::path& primary) {
  try {
    if (is_windows_hint(os_hint_of(primary))) return {kCapabilityVirtioWin};
  } catch (const std::exception&) {
    // Unreadable or malformed: the conversion names the file and the reason.
  }
  return {};
}

std::vector<std::string> host_capabilities(bool kvm, const fs::path& virtio_win_dir) {
  std::vector<std::string> out;
  if (kvm) out.emplace_back(kCapabilityKvm);
  std::error_code ec;
  if (!virtio_win_dir.empty() && fs::is_directory(virtio_win_dir, ec)) out.emplace_back(kCapabilityVirtioWin);
  return out;
}

}  // namespace h2k
