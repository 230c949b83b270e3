#pragma once
// The REST API's bearer token: read once from its file (which must be
// readable by its owner only), compared in constant time. The token is
// never part of an error message or a log line.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace h2k {

class BearerToken {
public:
  // Reads the file; throws std::runtime_error naming `key` and the path when
  // it is missing, not a regular file, readable by group or others, or empty.
  // Surrounding whitespace (the newline of `echo token > file`) is dropped.
  static BearerToken from_file(const std::filesystem::path& file, const std::string& key = "api.token_file");
  explicit BearerToken(std::string token) : token_(std::move(token)) {}

  // Whether an Authorization header value is "Bearer <this token>". The
  // comparison takes the same time wherever the first wrong byte is.
  bool accepts(std::string_view authorization) const;

private:
  std::string token_;
};

}  // namespace h2k
