#include "engine/verify/accel.hpp"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <stdexcept>

#include "engine/guest/guestfs_session.hpp"  // split_backend_settings

namespace h2k {

const char* to_string(AccelChoice c) {
  switch (c) {
    case AccelChoice::Auto: return "auto";
    case AccelChoice::Kvm: return "kvm";
    case AccelChoice::Tcg: return "tcg";
  }
  return "auto";
}

const char* to_string(Accel a) { return a == Accel::Kvm ? "kvm" : "tcg"; }

AccelChoice accel_choice_from_string(const std::string& s) {
  if (s == "auto") return AccelChoice::Auto;
  if (s == "kvm") return AccelChoice::Kvm;
  if (s == "tcg") return AccelChoice::Tcg;
  throw std::invalid_argument("unknown accelerator '" + s + "' (expected auto, kvm or tcg)");
}

bool kvm_usable(const std::filesystem::path& device) {
  const int fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  const int version = ::ioctl(fd, KVM_GET_API_VERSION, 0);
  ::close(fd);
  return version == KVM_API_VERSION;
}

Accel choose_accel(AccelChoice choice, const std::string& backend_settings, bool kvm_is_usable) {
  if (choice == AccelChoice::Kvm) return Accel::Kvm;
  if (choice == AccelChoice::Tcg) return Accel::Tcg;
  for (const auto& item : split_backend_settings(backend_settings))
    if (item == "force_tcg") return Accel::Tcg;
  return kvm_is_usable ? Accel::Kvm : Accel::Tcg;
}

}  // namespace h2k
