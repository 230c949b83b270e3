#pragma once
// The key under which a dropped file is remembered as converted
// (DedupIndex). Three methods, named in daemon.yaml:
//
//   name_size  "name_size:<file name>:<bytes>"  no read at all; the Python
//              daemon's default. A renamed copy is not recognised, and two
//              different files with the same name and size collide.
//   md5        "md5:<hex>"  the content's MD5 (OpenSSL EVP), what
//              deduplication_use_md5: true meant in the Python daemon; its
//              hex equals md5sum's output. ~600 MB/s per core.
//   xxh128     "xxh128:<hex>"  the content's XXH3-128 (libxxhash, Debian's
//              libxxhash-dev). Not cryptographic, but dedup needs no
//              collision resistance against an attacker who can already write
//              into the watch folder, only against accidents, and 2^-128 is
//              that; it hashes at memory speed (~10+ GB/s), so on a large disk
//              the read, not the hash, is the cost. Preferred over BLAKE2b /
//              SHA-256 (~1 GB/s) for that reason.
//
// The method is part of the key, so switching methods never matches an old
// entry by accident. Content hashes stream the file in 4 MiB reads.
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/progress.hpp"

namespace h2k {

enum class DedupMethod { NameAndSize, Md5, Xxh128 };

const char* to_string(DedupMethod m);  // "name_size", "md5", "xxh128"
std::optional<DedupMethod> dedup_method_from_string(std::string_view s);
inline std::ostream& operator<<(std::ostream& os, DedupMethod m) { return os << to_string(m); }

// The key of one file. Content methods read the whole file; a read failure
// throws ConversionError(Io) naming the file, cancellation ConversionError(Cancelled).
std::string dedup_key(const std::filesystem::path& file, DedupMethod method,
                      const CancelToken& cancel = CancelToken());

// The key of a job made of several files (an OVF or VMX with its disks):
// the per-file keys (without repeating the method) joined by ',' in the
// given order, e.g. "md5:<hex of .ovf>,<hex of disk1>".
std::string dedup_key(const std::vector<std::filesystem::path>& files, DedupMethod method,
                      const CancelToken& cancel = CancelToken());

// Hex digests of a whole file (lower case), streamed.
std::string md5_hex(const std::filesystem::path& file, const CancelToken& cancel = CancelToken());
std::string xxh128_hex(const std::filesystem::path& file, const CancelToken& cancel = CancelToken());

}  // namespace h2k
