#pragma once
// Which files were already converted successfully: dedup/<key> -> job id.
// Entries are written only by JobStore::mark_done, in the same batch that
// marks the job done, so a failed or interrupted conversion never blocks a
// file from being converted later. A view on JobStore's database: it must not
// outlive the JobStore it came from.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rocksdb { class DB; }

namespace h2k {

class DedupIndex {
public:
  // The id of the job that converted a file with this key, if any.
  std::optional<std::string> find(const std::string& dedup_key) const;
  // Drops the entry so the file is converted again when it reappears (the
  // guide's "force reprocessing"). Returns whether there was one.
  bool forget(const std::string& dedup_key);
  // All entries as (dedup key, job id), in key order.
  std::vector<std::pair<std::string, std::string>> entries() const;
  std::size_t size() const;

private:
  friend class JobStore;
  DedupIndex(rocksdb::DB* db, bool sync, std::filesystem::path db_path)
      : db_(db), sync_(sync), db_path_(std::move(db_path)) {}
  rocksdb::DB* db_;
  bool sync_;
  std::filesystem::path db_path_;
};

}  // namespace h2k
