#pragma once
// The key under which a dropped file is remembered as converted
// (DedupIndex). Three methods, named in daemon.yaml:
//
//   name_size  "name_size:<file name>:<bytes>"  no read at all; the Python
//              daemon's default. A renamed copy is not recognised, and two
//              different files with the same name and size collide.
//   md5        "md5:<hex>"  the content's MD5 (OpenSSL EVP), what
//              deduplication_use_md5: true meant in the Python daemon; its
//              hex equals md5sum's output.
//   xxh128     "xxh128:<hex>"  the content's XXH3-128 (libxxhash, Debian's
//              libxxhash-dev); equals `xxhsum -H2`. Not cryptographic, but
//              dedup only has to tell accidental duplicates apart (whoever can
//              write into the watch folder can drop any file anyway), and a
//              2^-128 accident is none. Chosen for speed: measured on the
//              build machine, XXH3-128 ~25 GB/s against MD5 ~0.6 GB/s,
//              BLAKE2b ~0.7 GB/s, SHA-256 ~1.3 GB/s (with SHA-NI) (`xxhsum -b`,
//              `openssl speed -evp`). A 100 GB disk costs MD5 ~3 minutes of
//              CPU; XXH3 ~4 s, so the disk read is the only cost.
//
// The method is part of the key, so switching methods never matches an old
// entry by accident. Content hashes stream the file in 4 MiB reads.
#include <cstdint>
#include <filesystem>
#include <functional>
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

// Called after each read of a content hash with the bytes just read (a
// long hash reports progress, so a watchdog sees it alive).
using BytesRead = std::function<void(std::uint64_t)>;

// The key of one file. Content methods read the whole file; a read failure
// throws ConversionError(Io) naming the file, cancellation ConversionError(Cancelled).
std::string dedup_key(const std::filesystem::path& file, DedupMethod method,
                      const CancelToken& cancel = CancelToken());

// The key of a job made of several files (an OVF or VMX with its disks):
// the per-file keys (without repeating the method) joined by ',' in the
// given order, e.g. "md5:<hex of .ovf>,<hex of disk1>".
std::string dedup_key(const std::vector<std::filesystem::path>& files, DedupMethod method,
                      const CancelToken& cancel = CancelToken(), const BytesRead& on_read = {});

// Hex digests of a whole file (lower case), streamed.
std::string md5_hex(const std::filesystem::path& file, const CancelToken& cancel = CancelToken(),
                    const BytesRead& on_read = {});
std::string xxh128_hex(const std::filesystem::path& file, const CancelToken& cancel = CancelToken(),
                       const BytesRead& on_read = {});

}  // namespace h2k
