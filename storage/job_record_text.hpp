#pragma once
// The stored text of a job record, written directly: byte for byte what
// to_json(job).dump() gives (keys in std::map order, compact), without
// building a JSON tree first. A record is written at every transition of
// every job, and building the tree was a sixth of the coordinator's CPU per
// dispatched job. Read back with job_from_json like any record; the unit
// test storage/job_record_text_test.cpp checks the bytes against dump().
#include <string>

#include "storage/job.hpp"

namespace h2k {

std::string job_record_text(const Job& job);

}  // namespace h2k
