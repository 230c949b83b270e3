// StatsModel -> metrics.prom. Values are exact (stats.json rounds for people).
#include "actors/stats/prometheus_text.hpp"
#include "actors/stats/stats_model.hpp"

namespace h2k {

std::string StatsModel::prometheus(std::int64_t now_ms) const {
  PrometheusText p;

  p.family("hyper2kvm_conversions_total", "counter", "Jobs finished, by final status.");
  p.sample("hyper2kvm_conversions_total", totals_.processed, {{"status", "succeeded"}});
  p.sample("hyper2kvm_conversions_total", totals_.failed, {{"status", "failed"}});
  p.sample("hyper2kvm_conversions_total", totals_.duplicates, {{"status", "duplicate"}});
  p.sample("hyper2kvm_conversions_total", totals_.cancelled, {{"status", "cancelled"}});
  p.sample("hyper2kvm_conversions_total", totals_.rejected, {{"status", "rejected"}});

  // Per type, so a format that keeps failing (the guide's VHDX example) stands out.
  p.family("hyper2kvm_conversions_by_type_total", "counter", "Jobs succeeded or failed, by source file type.");
  for (const auto& [type, t] : by_type_) {
    p.sample("hyper2kvm_conversions_by_type_total", t.processed, {{"file_type", type}, {"status", "succeeded"}});
    p.sample("hyper2kvm_conversions_by_type_total", t.failed, {{"file_type", type}, {"status", "failed"}});
  }

  p.family("hyper2kvm_retries_total", "counter", "Failed attempts that were scheduled for another try.");
  p.sample("hyper2kvm_retries_total", totals_.retried);

  p.family("hyper2kvm_stale_results_total", "counter",
           "Reports (progress, outcome, publish) from a lease that was no longer current, dropped.");
  p.sample("hyper2kvm_stale_results_total", totals_.stale_results);
  p.family("hyper2kvm_slots_lost_total", "counter", "Converter slots that died and were replaced.");
  p.sample("hyper2kvm_slots_lost_total", totals_.slots_lost);
  p.family("hyper2kvm_stalled_jobs_total", "counter", "Attempts cancelled by the stall watchdog (job_stall_timeout).");
  p.sample("hyper2kvm_stalled_jobs_total", totals_.stalled);
  p.family("hyper2kvm_nodes_lost_total", "counter",
           "Cluster nodes lost (died, or silent for longer than node_timeout); their jobs got new leases.");
  p.sample("hyper2kvm_nodes_lost_total", totals_.nodes_lost);

  const std::string h = "hyper2kvm_conversion_duration_seconds";
  p.family(h, "histogram", "Duration of successful conversions in seconds.");
  for (std::size_t i = 0; i < DurationHistogram::kBounds.size(); ++i)
    p.sample(h + "_bucket", histogram_.cumulative(i), {{"le", PrometheusText::number(DurationHistogram::kBounds[i])}});
  p.sample(h + "_bucket", histogram_.cumulative(DurationHistogram::kBounds.size()), {{"le", "+Inf"}});
  p.sample(h + "_sum", histogram_.sum());
  p.sample(h + "_count", histogram_.count());

  p.family("hyper2kvm_queue_depth", "gauge", "Jobs waiting: queued plus waiting for a retry.");
  p.sample("hyper2kvm_queue_depth", queue_.queued + queue_.retry_wait);
  p.family("hyper2kvm_retry_wait_jobs", "gauge", "Jobs waiting for their next retry.");
  p.sample("hyper2kvm_retry_wait_jobs", queue_.retry_wait);
  p.family("hyper2kvm_active_conversions", "gauge", "Conversions running now.");
  p.sample("hyper2kvm_active_conversions", queue_known_ ? queue_.running : static_cast<std::uint64_t>(running_.size()));
  p.family("hyper2kvm_bytes_converted_total", "counter", "Bytes written to converted disks.");
  p.sample("hyper2kvm_bytes_converted_total", totals_.bytes_converted);
  p.family("hyper2kvm_uptime_seconds", "gauge", "Seconds since the daemon started.");
  p.sample("hyper2kvm_uptime_seconds", static_cast<double>(std::max<std::int64_t>(0, now_ms - start_ms_)) / 1000.0);
  p.family("hyper2kvm_success_rate", "gauge",
           "Percent of finished conversions that succeeded (100 before any finished).");
  p.sample("hyper2kvm_success_rate", success_rate());

  // Per node, as the scheduler last described the cluster (one local node
  // outside cluster mode; none before the first cluster_state).
  p.family("hyper2kvm_node_up", "gauge", "1 while the node is connected and heard from, 0 once it is lost.");
  for (const auto& n : nodes_) p.sample("hyper2kvm_node_up", std::uint64_t{n.up ? 1u : 0u}, {{"node", n.name}});
  p.family("hyper2kvm_node_draining", "gauge", "1 while the node is draining: it takes no new jobs.");
  for (const auto& n : nodes_)
    p.sample("hyper2kvm_node_draining", std::uint64_t{n.draining ? 1u : 0u}, {{"node", n.name}});
  p.family("hyper2kvm_node_share_ok", "gauge",
           "1 while the node sees the cluster's share at its share_root, 0 while not (it gets no job).");
  for (const auto& n : nodes_)
    p.sample("hyper2kvm_node_share_ok", std::uint64_t{n.share_problem.empty() ? 1u : 0u}, {{"node", n.name}});
  p.family("hyper2kvm_node_slots", "gauge", "The node's converter slots, busy or free.");
  for (const auto& n : nodes_) {
    const std::uint64_t busy = n.slots_busy, total = n.slots_total;
    p.sample("hyper2kvm_node_slots", busy, {{"node", n.name}, {"state", "busy"}});
    p.sample("hyper2kvm_node_slots", total > busy ? total - busy : 0, {{"node", n.name}, {"state", "free"}});
  }
  p.family("hyper2kvm_node_jobs_done_total", "counter", "Jobs the node finished.");
  for (const auto& n : nodes_) p.sample("hyper2kvm_node_jobs_done_total", n.jobs_done, {{"node", n.name}});
  p.family("hyper2kvm_node_jobs_lost_total", "counter",
           "Jobs taken away from the node because it died or went silent (they got new leases).");
  for (const auto& n : nodes_) p.sample("hyper2kvm_node_jobs_lost_total", n.jobs_lost, {{"node", n.name}});
  p.family("hyper2kvm_node_heartbeat_age_seconds", "gauge",
           "Seconds since the node's last heartbeat (0 for the coordinator's own process).");
  for (const auto& n : nodes_)
    p.sample("hyper2kvm_node_heartbeat_age_seconds", static_cast<double>(n.heartbeat_age_ms) / 1000.0,
             {{"node", n.name}});

  return p.text();
}

}  // namespace h2k
