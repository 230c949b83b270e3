#pragma once
// Which accelerator boots the guest: KVM where it works, TCG otherwise. The
// operator's libguestfs settings are the best knowledge of "works": force_tcg
// there means KVM is missing or broken on this host (nested KVM that hangs
// Linux kernels), so the verification boot does not try it either.
#include <filesystem>
#include <string>

namespace h2k {

enum class AccelChoice { Auto, Kvm, Tcg };
enum class Accel { Kvm, Tcg };

const char* to_string(AccelChoice c);   // "auto", "kvm", "tcg"
const char* to_string(Accel a);         // "kvm", "tcg"
// "auto", "kvm" or "tcg"; throws std::invalid_argument naming the value otherwise.
AccelChoice accel_choice_from_string(const std::string& s);

// Whether `device` (/dev/kvm) can be opened read-write and answers
// KVM_GET_API_VERSION: what qemu needs for accel=kvm.
bool kvm_usable(const std::filesystem::path& device = "/dev/kvm");

// Auto: TCG when `backend_settings` (libguestfs, comma-separated) holds
// force_tcg or KVM is not usable; KVM otherwise. Kvm and Tcg are taken as
// asked (a Kvm request fails later, in qemu, where KVM is missing).
Accel choose_accel(AccelChoice choice, const std::string& backend_settings, bool kvm_is_usable);

}  // namespace h2k
