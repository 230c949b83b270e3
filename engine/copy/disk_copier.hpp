#pragma once
// Disk copy: any source disk (file or slice of an OVA) into a sparse qcow2 or
// raw file, with progress and cancellation. Uses qemu-img, reading the source
// read-only (never modified), and `qemu-img check` afterwards.
#include <cstdint>
#include <filesystem>
#include <string>

#include "engine/core/progress.hpp"
#include "engine/inputs/source_vm.hpp"

namespace h2k {

enum class OutputFormat { Qcow2, Raw };
const char* to_string(OutputFormat f);
OutputFormat output_format_from_string(const std::string& s);  // throws on unknown

struct CopyOptions {
  OutputFormat format = OutputFormat::Qcow2;
  std::string qemu_img = "qemu-img";
  int coroutines = 8;            // qemu-img -m (1..16)
  // qemu-img -W. Off: measured no faster (slower with a cold source) on local
  // disks, and it scatters qcow2 clusters; worth trying for high-latency sources.
  bool out_of_order = false;
  int timeout_s = 0;             // 0 = none
};

struct CopyResult {
  std::uint64_t virtual_size = 0;
  std::uint64_t bytes_written = 0;  // allocated size of the output
  double seconds = 0;
};

// The qemu-img source spec ("json:{...}") for a disk, honouring offset/length.
std::string qemu_source_spec(const SourceDisk& disk);

// Guest-visible size of a disk via `qemu-img info`; throws InvalidInput naming the disk.
std::uint64_t query_virtual_size(const SourceDisk& disk, const std::string& qemu_img = "qemu-img");

// Copies `disk` into `out`, which must not exist yet (its folder must). Before
// copying, the source's metadata is checked (`qemu-img check`, for formats
// that support it), because qemu-img reads past a truncated file as zeros.
// On any failure or cancellation `out` is removed.
CopyResult copy_disk(const SourceDisk& disk, const std::filesystem::path& out, const CopyOptions& options,
                     const ProgressSink& progress, const CancelToken& cancel);

// `qemu-img check` (qcow2) or a size check (raw); throws ConversionError on corruption.
// `expected_virtual_size` (0 = not checked) is compared with what `qemu-img info` reports.
void check_image(const std::filesystem::path& image, OutputFormat format, const std::string& qemu_img = "qemu-img",
                 std::uint64_t expected_virtual_size = 0);

// Bytes a file occupies on its filesystem (st_blocks * 512), i.e. what a
// sparse copy really costs. Throws ConversionError(Io) naming the file.
std::uint64_t allocated_bytes(const std::filesystem::path& path);

}  // namespace h2k
