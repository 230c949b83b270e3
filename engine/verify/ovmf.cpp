#include "engine/verify/ovmf.hpp"

#include <array>
#include <system_error>
#include <utility>

namespace h2k {

std::optional<OvmfFiles> find_ovmf(const std::filesystem::path& root) {
  static constexpr std::array<std::pair<const char*, const char*>, 6> kPairs = {{
      {"usr/share/OVMF/OVMF_CODE_4M.fd", "usr/share/OVMF/OVMF_VARS_4M.fd"},
      {"usr/share/OVMF/OVMF_CODE.fd", "usr/share/OVMF/OVMF_VARS.fd"},
      {"usr/share/edk2/ovmf/OVMF_CODE.fd", "usr/share/edk2/ovmf/OVMF_VARS.fd"},
      {"usr/share/edk2/x64/OVMF_CODE.4m.fd", "usr/share/edk2/x64/OVMF_VARS.4m.fd"},
      {"usr/share/edk2/x64/OVMF_CODE.fd", "usr/share/edk2/x64/OVMF_VARS.fd"},
      {"usr/share/qemu/ovmf-x86_64-code.bin", "usr/share/qemu/ovmf-x86_64-vars.bin"},
  }};
  for (const auto& [code, vars] : kPairs) {
    std::error_code ec;
    OvmfFiles f{root / code, root / vars};
    if (std::filesystem::is_regular_file(f.code, ec) && std::filesystem::is_regular_file(f.vars, ec)) return f;
  }
  return std::nullopt;
}

}  // namespace h2k
