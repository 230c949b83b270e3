#include "actors/common/system_info.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <limits>

#include "engine/core/fs.hpp"

#ifndef H2K_VERSION
#define H2K_VERSION "unknown"
#endif

namespace h2k {

std::optional<std::uint64_t> parse_mem_available(std::string_view text) {
  constexpr std::string_view key = "MemAvailable:";
  std::size_t pos = 0;
  // Match at line starts only, so no other field can shadow it.
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    if (line.substr(0, key.size()) == key) {
      std::size_t i = key.size();
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      std::uint64_t kib = 0;
      std::size_t digits = 0;
      for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i, ++digits) {
        if (kib > std::numeric_limits<std::uint64_t>::max() / 10240) return std::nullopt;
        kib = kib * 10 + static_cast<std::uint64_t>(line[i] - '0');
      }
      if (digits == 0) return std::nullopt;
      return kib * 1024;  // the kernel writes "kB" but means KiB
    }
    pos = eol + 1;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> memory_available_bytes(const std::filesystem::path& meminfo) {
  std::ifstream in(meminfo);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_mem_available(text);
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return {};
  return buf;
}

std::string kernel_release() {
  struct utsname u {};
  if (::uname(&u) != 0) return {};
  return u.release;
}

const char* hyper2kvm_version() { return H2K_VERSION; }

SystemInfo collect_system_info(const std::filesystem::path& output_dir) {
  SystemInfo info;
  if (!output_dir.empty()) info.disk_free_bytes = free_space(output_dir);
  info.memory_available_bytes = memory_available_bytes();
  info.hostname = host_name();
  info.kernel = kernel_release();
  return info;
}

}  // namespace h2k
