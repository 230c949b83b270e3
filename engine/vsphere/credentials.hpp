#pragma once
// Who logs in to vCenter. The password never comes from the command line
// (it would show in `ps` and shell history): it comes from VSPHERE_PASSWORD
// or from a credentials file only its owner can read.
#include <filesystem>
#include <optional>
#include <string>

namespace h2k::vsphere {

struct VsphereCredentials {
  std::string username;
  std::string password;
};

// username: `username`, else the file's `username:`, else $VSPHERE_USERNAME.
// password: $VSPHERE_PASSWORD, else the file's `password:`.
// The file is YAML with top-level `username:` / `password:` scalars (quoted
// or plain); it must be mode 0600 or stricter, else it is refused with the
// chmod that fixes it. Throws std::runtime_error naming the file or the
// variable to set; never includes the password.
VsphereCredentials resolve_credentials(const std::optional<std::string>& username,
                                       const std::optional<std::filesystem::path>& credentials_file);

}  // namespace h2k::vsphere
