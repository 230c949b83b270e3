#pragma once
// The verification boot's private scratch: a temp folder removed in every
// path, and qcow2 overlays backed by the converted disks, so the boot never
// writes a byte of what gets published.
#include <filesystem>
#include <string>

#include "engine/core/progress.hpp"

namespace h2k {

// A folder `<parent>/h2k-verify-XXXXXX` (mode 0700), removed with everything
// in it on destruction.
class ScratchFolder {
public:
  // Throws ConversionError(Io) naming `parent` when it cannot be created.
  explicit ScratchFolder(const std::filesystem::path& parent);
  ~ScratchFolder();
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

// `qemu-img create -f qcow2 -b <backing> -F <format> <overlay>`; the backing
// path is made absolute (a relative one would be resolved against the
// overlay's folder). Throws ConversionError naming the backing disk.
void create_overlay(const std::filesystem::path& backing, const std::string& format,
                    const std::filesystem::path& overlay, const std::string& qemu_img, const CancelToken& cancel);

}  // namespace h2k
