#pragma once
// Failures of the daemon's state database. The message names the database
// path (and the job or key concerned) so an operator can find it.
#include <stdexcept>
#include <string>

namespace h2k {

class StorageError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

}  // namespace h2k
