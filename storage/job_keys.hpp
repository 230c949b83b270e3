#pragma once
// The key layout of the state database (one RocksDB keyspace, prefixes):
//
//   job/<id>                              -> the job as JSON (the record)
//   state/<state>/<id>                    -> ""   list by state, counts
//   queue/<rank>/<enqueue-seq>/<id>       -> ""   queued jobs; rank 0 = high, 1 = normal, 2 = low;
//                                            3..5 the same for jobs waiting to be exported
//   retry/<next-attempt-at-ms>/<id>       -> ""   jobs waiting for a retry
//   dedup/<dedup-key>                     -> job id of the successful conversion
//   out/<folder relative to output root>  -> job id holding that output folder name
//   archive/<id>                          -> ""   done jobs whose sources are still to be archived
//   src/<id>                              -> primary source of a job still holding files in the
//                                            watch folder (queued, retry_wait, running, done
//                                            until archived): start-up reads these, not every record
//   meta/instance                         -> this store's instance id (staging folder names)
//   meta/next_seq                         -> next enqueue sequence number (decimal)
//   meta/retries_scheduled                -> retries ever scheduled (decimal)
//
// Numbers are zero-padded to 20 digits so byte order (RocksDB's order) is
// numeric order: iterating queue/ yields high before normal before low, FIFO
// within a priority; iterating retry/ yields the earliest due first.
// The secondary keys of a job are a pure function of its record
// (index_keys), and JobStore writes record and index changes in one
// WriteBatch, so they cannot disagree.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/job.hpp"

namespace h2k::keys {

inline constexpr std::string_view kJob = "job/";
inline constexpr std::string_view kState = "state/";
inline constexpr std::string_view kQueue = "queue/";
inline constexpr std::string_view kRetry = "retry/";
inline constexpr std::string_view kDedup = "dedup/";
inline constexpr std::string_view kOut = "out/";
inline constexpr std::string_view kArchive = "archive/";
inline constexpr std::string_view kSource = "src/";
inline constexpr std::string_view kPathsV2 = "meta/paths_v2";  // records hold named roots (migration done)
inline constexpr std::string_view kInstance = "meta/instance";
inline constexpr std::string_view kNextSeq = "meta/next_seq";
inline constexpr std::string_view kRetriesScheduled = "meta/retries_scheduled";
inline constexpr std::string_view kShareId = "meta/share_id";

int priority_rank(JobPriority p);  // high 0, normal 1, low 2
// Jobs in their export phase wait in their own queue (ranks 3..5), so
// converter slots never scan past them and exporter slots never scan past
// conversions.
inline constexpr int kExportRankBase = 3;
inline constexpr int kQueueRanks = 6;
int queue_rank(const Job& job);    // priority_rank, + kExportRankBase in the export phase
std::string padded(std::uint64_t n);  // 20 digits

std::string job(std::string_view id);
std::string state_prefix(JobState s);                         // "state/<state>/"
std::string queue_prefix(int rank);                           // "queue/<rank>/"
std::string queue_from(int rank, std::uint64_t seq);          // "queue/<rank>/<seq>/" (seek target)
std::string retry_from(std::int64_t at_ms);                   // "retry/<at>/" (seek target)
std::string dedup(std::string_view dedup_key);
std::string out(std::string_view folder);                     // "out/<folder>"

// The secondary keys `job` must have, given its state.
std::vector<std::string> index_keys(const Job& job);
// Whether `job` has a src/<id> entry (its value: the primary source).
bool holds_watch_files(const Job& job);

// The id at the end of a secondary key (after the last '/').
std::string_view id_of(std::string_view index_key);
// The time encoded in a retry/ key.
std::int64_t retry_time_of(std::string_view retry_key);

}  // namespace h2k::keys
