#include "engine/verify/boot_overlay.hpp"

#include <stdlib.h>

#include <cerrno>
#include <cstring>

#include "engine/core/error.hpp"
#include "engine/core/subprocess.hpp"

namespace h2k {

ScratchFolder::ScratchFolder(const std::filesystem::path& parent) {
  std::string templ = (parent / "h2k-verify-XXXXXX").string();
  if (!::mkdtemp(templ.data()))  // mode 0700: the guest's disks are nobody else's business
    throw ConversionError(ErrorKind::Io, parent.string(),
                          std::string("cannot create the verification boot's scratch folder: ") + std::strerror(errno));
  path_ = templ;
}

ScratchFolder::~ScratchFolder() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void create_overlay(const std::filesystem::path& backing, const std::string& format,
                    const std::filesystem::path& overlay, const std::string& qemu_img, const CancelToken& cancel) {
  SubprocessOptions sp;
  sp.cancel = cancel;
  sp.timeout = std::chrono::minutes(2);
  const std::string abs = std::filesystem::absolute(backing).string();
  auto r = run_subprocess({qemu_img, "create", "-q", "-f", "qcow2", "-b", abs, "-F", format, overlay.string()}, sp);
  if (r.cancelled) throw ConversionError(ErrorKind::Cancelled, abs, "verification boot cancelled");
  if (!r.ok())
    throw ConversionError(r.timed_out ? ErrorKind::Timeout : ErrorKind::Internal, abs,
                          "cannot create an overlay for the verification boot: " + tail_lines(r.err + r.out, 5));
}

}  // namespace h2k
