#pragma once
// Errors raised by the engine. Every error names the file it concerns and the
// reason, and says whether trying again could help (the daemon's retry policy
// reads `retryable()`; the CLI turns it into the exit code).
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace h2k {

enum class ErrorKind {
  InvalidInput,     // the input is not what it claims (bad header, missing extent, hostile OVA)
  Unsupported,      // valid, but something we cannot convert (e.g. a differencing disk)
  Io,               // read/write failure, may be transient
  NoSpace,          // output filesystem full
  Timeout,          // a subprocess or the appliance took too long
  ApplianceLaunch,  // libguestfs could not start its appliance
  GuestFix,         // a change inside the guest failed
  Cancelled,        // the caller asked us to stop
  Internal,         // a bug or an unexpected tool failure
  // This node cannot convert this guest, another one can (a cluster converter
  // without virtio-win finding a Windows guest): the coordinator queues the
  // job again for a node that has what it needs, uncharged. Never retried on
  // the same node.
  MissingCapability,
};

const char* to_string(ErrorKind kind);
// Reads back what to_string wrote; a name this build does not know (written
// by a newer build) reads as Internal, which is never retried: the safe reading.
ErrorKind error_kind_from_string(std::string_view name);
bool is_retryable(ErrorKind kind);
inline std::ostream& operator<<(std::ostream& os, ErrorKind kind) { return os << to_string(kind); }

class ConversionError : public std::runtime_error {
public:
  ConversionError(ErrorKind kind, std::string file, std::string reason);

  ErrorKind kind() const noexcept { return kind_; }
  const std::string& file() const noexcept { return file_; }
  const std::string& reason() const noexcept { return reason_; }
  bool retryable() const noexcept { return is_retryable(kind_); }

  // Lines that back the reason up (e.g. a guest's last console lines), kept
  // out of the one-line message; error reports show them as "details".
  const std::vector<std::string>& details() const noexcept { return details_; }
  ConversionError& with_details(std::vector<std::string> lines) {
    details_ = std::move(lines);
    return *this;
  }

private:
  ErrorKind kind_;
  std::string file_;
  std::string reason_;
  std::vector<std::string> details_;
};

// Shorthand for the most common case: the named input is malformed.
[[noreturn]] void throw_invalid(const std::string& file, const std::string& reason);

}  // namespace h2k
