#pragma once
// The host state a failure report records, so an operator reading a
// .error.json days later sees whether the disk was full or memory was short
// when the job failed.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace h2k {

struct SystemInfo {
  std::optional<std::uint64_t> disk_free_bytes;        // of the output folder's filesystem; none: not asked
  std::optional<std::uint64_t> memory_available_bytes; // MemAvailable; none: /proc/meminfo unreadable
  std::string hostname;
  std::string kernel;                                  // uname release, e.g. "6.1.0-18-amd64"
};

// MemAvailable from the text of /proc/meminfo, in bytes; none when absent.
std::optional<std::uint64_t> parse_mem_available(std::string_view meminfo_text);

// Reads `meminfo` (normally /proc/meminfo).
std::optional<std::uint64_t> memory_available_bytes(const std::filesystem::path& meminfo = "/proc/meminfo");

std::string host_name();
std::string kernel_release();

// The project version compiled in ("0.1.0").
const char* hyper2kvm_version();

// Everything above; disk_free_bytes is left empty when `output_dir` is empty.
SystemInfo collect_system_info(const std::filesystem::path& output_dir);

}  // namespace h2k
