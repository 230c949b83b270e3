#include "engine/core/error.hpp"

namespace h2k {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidInput: return "invalid_input";
    case ErrorKind::Unsupported: return "unsupported";
    case ErrorKind::Io: return "io_error";
    case ErrorKind::NoSpace: return "no_space";
    case ErrorKind::Timeout: return "timeout";
    case ErrorKind::ApplianceLaunch: return "appliance_launch";
    case ErrorKind::GuestFix: return "guest_fix";
    case ErrorKind::Cancelled: return "cancelled";
    case ErrorKind::Internal: return "internal";
    case ErrorKind::MissingCapability: return "missing_capability";
  }
  return "unknown";
}

ErrorKind error_kind_from_string(std::string_view name) {
  for (ErrorKind k : {ErrorKind::InvalidInput, ErrorKind::Unsupported, ErrorKind::Io, ErrorKind::NoSpace,
                      ErrorKind::Timeout, ErrorKind::ApplianceLaunch, ErrorKind::GuestFix, ErrorKind::Cancelled,
                      ErrorKind::Internal, ErrorKind::MissingCapability})
    if (name == to_string(k)) return k;
  return ErrorKind::Internal;
}

bool is_retryable(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Io:
    case ErrorKind::NoSpace:
    case ErrorKind::Timeout:
    case ErrorKind::ApplianceLaunch:
      return true;
    default:
      return false;
  }
}

static std::string compose(const std::string& file, const std::string& reason) {
  return file.empty() ? reason : file + ": " + reason;
}

ConversionError::ConversionError(ErrorKind kind, std::string file, std::string reason)
    : std::runtime_error(compose(file, reason)),
      kind_(kind),
      file_(std::move(file)),
      reason_(std::move(reason)) {}

void throw_invalid(const std::string& file, const std::string& reason) {
  throw ConversionError(ErrorKind::InvalidInput, file, reason);
}

}  // namespace h2k
