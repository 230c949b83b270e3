#include "storage/dedup_index.hpp"

#include <rocksdb/db.h>

#include "storage/job_keys.hpp"
#include "storage/storage_error.hpp"

namespace h2k {

std::optional<std::string> DedupIndex::find(const std::string& dedup_key) const {
  std::string id;
  auto s = db_->Get(rocksdb::ReadOptions(), keys::dedup(dedup_key), &id);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) throw StorageError(db_path_.string() + ": reading dedup entry: " + s.ToString());
  return id;
}

bool DedupIndex::forget(const std::string& dedup_key) {
  if (!find(dedup_key)) return false;
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  auto s = db_->Delete(wo, keys::dedup(dedup_key));
  if (!s.ok()) throw StorageError(db_path_.string() + ": deleting dedup entry: " + s.ToString());
  return true;
}

std::vector<std::pair<std::string, std::string>> DedupIndex::entries() const {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string prefix(keys::kDedup);
  std::string end = prefix;
  end.back() = static_cast<char>(end.back() + 1);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
  for (it->Seek(prefix); it->Valid(); it->Next())
    out.emplace_back(it->key().ToString().substr(prefix.size()), it->value().ToString());
  if (!it->status().ok()) throw StorageError(db_path_.string() + ": scanning dedup/: " + it->status().ToString());
  return out;
}

std::size_t DedupIndex::size() const { return entries().size(); }

}  // namespace h2k
