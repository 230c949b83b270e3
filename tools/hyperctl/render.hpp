#pragma once
// hyperctl's human output: each function turns one ok reply of the daemon
// (see the protocol in actors/control_protocol/control_protocol.hpp) into the text
// printed on stdout. Pure functions, so the output depends only on the reply.
#include <string>

#include <nlohmann/json.hpp>

namespace h2k::hyperctl {

// status -> "Status: RUNNING" and the daemon's pid, uptime, queue counts; in
// a cluster also "Nodes: 2 of 3 up; 1 lease(s) awaiting their nodes".
std::string render_status(const nlohmann::json& reply);
// stats -> "Daemon Statistics:" with totals, by file type and current jobs.
std::string render_stats(const nlohmann::json& reply);
// pause/resume/drain/stop -> "Status: PAUSED" etc.
std::string render_daemon_state(const nlohmann::json& reply);
// list-jobs -> table ID STATE NODE PRIORITY TYPE ATTEMPTS SOURCE ("No jobs." when empty).
std::string render_job_table(const nlohmann::json& reply);
// job-status -> "key: value" lines incl. progress and last error.
std::string render_job_detail(const nlohmann::json& job);
// queue-job, cancel-job, set-priority, retry-job -> one summary line.
std::string render_job_action(const std::string& command, const nlohmann::json& job);

// nodes -> table NAME ROLES HOST SLOTS DONE LOST HEARTBEAT ACCEL HEALTH
// ("No nodes." when empty). SLOTS is busy/total, HEARTBEAT "0.4s ago" ("-"
// for the coordinator's own entry), HEALTH "up", "draining" or "down (reason)".
std::string render_node_table(const nlohmann::json& reply);
// One entry of the nodes reply (status --node) -> "Node: NAME" and "key: value" lines.
std::string render_node_detail(const nlohmann::json& node);
// drain-node/undrain-node -> "Node conv-a is draining: ..." / "Node conv-a takes new jobs again".
std::string render_node_action(const nlohmann::json& reply);

// The primary source plus " (+N)" for further files: "vms/web01.ova (+1)",
// or only its file name ("web01.ova (+1)") when `file_name_only`.
std::string job_source_summary(const nlohmann::json& job, bool file_name_only = false);
// "copy 45.2% (1.2 GiB of 2.6 GiB, 120.0 MiB/s, ETA 1m05s)"; "" when the job has no progress.
std::string job_progress_summary(const nlohmann::json& job);

}  // namespace h2k::hyperctl
