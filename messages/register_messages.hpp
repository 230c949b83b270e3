#pragma once
// Registers every message type (and typed handle) with an actor system
// config. Call on EVERY node before the actor system starts.
#include <caf/actor_system_config.hpp>

#include "messages/interfaces.hpp"
#include "messages/messages.hpp"

namespace h2k::msg {

inline void register_messages(caf::actor_system_config& cfg) {
  cfg.add_message_type<vm_found>("h2k::msg::vm_found");
  cfg.add_message_type<watch_problem>("h2k::msg::watch_problem");
  cfg.add_message_type<job_assignment>("h2k::msg::job_assignment");
  cfg.add_message_type<job_planned>("h2k::msg::job_planned");
  cfg.add_message_type<plan_reply>("h2k::msg::plan_reply");
  cfg.add_message_type<publish_request>("h2k::msg::publish_request");
  cfg.add_message_type<job_progress>("h2k::msg::job_progress");
  cfg.add_message_type<job_outcome>("h2k::msg::job_outcome");
  cfg.add_message_type<job_event>("h2k::msg::job_event");
  cfg.add_message_type<job_events>("h2k::msg::job_events");
  cfg.add_message_type<queue_state>("h2k::msg::queue_state");
  cfg.add_message_type<control_command>("h2k::msg::control_command");
  cfg.add_message_type<control_reply>("h2k::msg::control_reply");
  cfg.add_message_type<std::vector<std::string>>("std::vector<std::string>");
  cfg.add_message_type<lease_ref>("h2k::msg::lease_ref");
  cfg.add_message_type<std::vector<lease_ref>>("std::vector<h2k::msg::lease_ref>");
  cfg.add_message_type<share_view>("h2k::msg::share_view");
  cfg.add_message_type<node_status>("h2k::msg::node_status");
  cfg.add_message_type<node_summary>("h2k::msg::node_summary");
  cfg.add_message_type<std::vector<node_summary>>("std::vector<h2k::msg::node_summary>");
  cfg.add_message_type<cluster_state>("h2k::msg::cluster_state");
  cfg.add_message_type<node_hello>("h2k::msg::node_hello");
  cfg.add_message_type<node_welcome>("h2k::msg::node_welcome");
  cfg.add_message_type<std::vector<converter_actor>>("std::vector<h2k::msg::converter_actor>");
  cfg.add_message_type<job_report_actor>("h2k::msg::job_report_actor");
  cfg.add_message_type<job_intake_actor>("h2k::msg::job_intake_actor");
  cfg.add_message_type<coordinator_link_actor>("h2k::msg::coordinator_link_actor");
  cfg.add_message_type<converter_actor>("h2k::msg::converter_actor");
  cfg.add_message_type<scheduler_actor>("h2k::msg::scheduler_actor");
  cfg.add_message_type<stats_actor>("h2k::msg::stats_actor");
  cfg.add_message_type<notifier_actor>("h2k::msg::notifier_actor");
  cfg.add_message_type<watcher_actor>("h2k::msg::watcher_actor");
  cfg.add_message_type<control_actor>("h2k::msg::control_actor");
  cfg.add_message_type<archive_request>("h2k::msg::archive_request");
  cfg.add_message_type<archive_batch>("h2k::msg::archive_batch");
  cfg.add_message_type<archive_result>("h2k::msg::archive_result");
  cfg.add_message_type<archive_report>("h2k::msg::archive_report");
  cfg.add_message_type<archiver_actor>("h2k::msg::archiver_actor");
  cfg.add_message_type<share_probe_actor>("h2k::msg::share_probe_actor");
}

}  // namespace h2k::msg
