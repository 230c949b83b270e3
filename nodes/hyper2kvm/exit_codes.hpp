#pragma once
// Process exit codes of `hyper2kvm`, stable for scripts (documented in --help and README).
#include "engine/core/error.hpp"

namespace h2k::exit_code {

inline constexpr int kOk = 0;
inline constexpr int kUsage = 2;
inline constexpr int kInvalidInput = 3;
inline constexpr int kRetryable = 4;
inline constexpr int kGuestFix = 5;
inline constexpr int kDefineFailed = 6;
inline constexpr int kInternal = 1;
inline constexpr int kCancelled = 130;

inline int for_error(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidInput:
    case ErrorKind::Unsupported: return kInvalidInput;
    case ErrorKind::Io:
    case ErrorKind::NoSpace:
    case ErrorKind::Timeout:
    case ErrorKind::ApplianceLaunch: return kRetryable;
    case ErrorKind::GuestFix: return kGuestFix;
    case ErrorKind::Cancelled: return kCancelled;
    case ErrorKind::Internal:
    case ErrorKind::MissingCapability: return kInternal;  // only cluster converters refuse; never the CLI
  }
  return kInternal;
}

}  // namespace h2k::exit_code
