// An OVF's parts: its disks (required), other referenced files such as an
// nvram, and the package's .mf / .cert beside it (taken along when present).
#include <algorithm>
#include <system_error>

#include "actors/watcher/vm_references.hpp"
#include "engine/core/fs.hpp"
#include "engine/inputs/loaders.hpp"
#include "engine/inputs/ovf.hpp"

namespace h2k {
namespace {

constexpr std::uintmax_t kMaxOvfBytes = 64u << 20;  // as the OVF loader

bool exists_in(const std::filesystem::path& watch_dir, const std::filesystem::path& rel) {
  std::error_code ec;
  return std::filesystem::exists(watch_dir / rel, ec);
}

// hrefs are URIs ("%20" for a space). Like the loader, the name as written
// wins when such a file exists; otherwise the decoded name is awaited.
std::string href_name(const std::filesystem::path& watch_dir, const std::filesystem::path& ovf,
                      const std::string& href) {
  const std::string decoded = percent_decode(href);
  if (decoded == href) return href;
  auto raw = part_in_watch_dir(ovf, href);
  return raw && exists_in(watch_dir, *raw) ? href : decoded;
}

void add_part(FileReferences& refs, PartRef part) {
  auto same = [&](const PartRef& p) { return p.path == part.path; };
  auto it = std::find_if(refs.parts.begin(), refs.parts.end(), same);
  if (it == refs.parts.end()) {
    refs.parts.push_back(std::move(part));
  } else if (part.required) {
    it->required = true;
  }
}

}  // namespace

FileReferences ovf_references(const std::filesystem::path& watch_dir, const std::filesystem::path& file) {
  const OvfEnvelope envelope = parse_ovf(read_text_file(watch_dir / file, kMaxOvfBytes), file.string());
  FileReferences refs;
  for (const OvfDisk& disk : envelope.disks) {
    const std::string what = "disk '" + disk.disk_id + "' (" + disk.href + ")";
    if (disk.href.find("://") != std::string::npos) {
      refs.fault = FileFault{ErrorKind::Unsupported, what + " is a remote file; only local files are supported"};
      continue;
    }
    auto part = part_in_watch_dir(file, href_name(watch_dir, file, disk.href));
    if (!part) {
      refs.fault = FileFault{ErrorKind::InvalidInput,
                             what + " is outside the watch folder; OVF file references must be relative "
                                    "and stay beside the OVF (the daemon reads only its queue)"};
      continue;
    }
    add_part(refs, PartRef{*part, true, what, std::nullopt});
  }
  // Other referenced files (nvram, ISO images) are not needed for the
  // conversion, but belong to the package: moved along when present.
  for (const OvfFile& f : envelope.files) {
    if (f.href.find("://") != std::string::npos) continue;
    if (auto part = part_in_watch_dir(file, href_name(watch_dir, file, f.href)))
      add_part(refs, PartRef{*part, false, "file '" + f.id + "' (" + f.href + ")", std::nullopt});
  }
  for (const char* ext : {".mf", ".cert"}) {
    auto sibling = file;
    sibling.replace_extension(ext);
    const std::string what = std::string("package ") + (ext + 1) + " file";
    add_part(refs, PartRef{sibling.lexically_normal(), false, what, std::nullopt});
  }
  return refs;
}

}  // namespace h2k
