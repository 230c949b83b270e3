#include "engine/core/progress.hpp"

#include "engine/core/error.hpp"

namespace h2k {

void CancelToken::throw_if_cancelled(const std::string& what) const {
  if (cancelled()) throw ConversionError(ErrorKind::Cancelled, what, "cancelled");
}

}  // namespace h2k
