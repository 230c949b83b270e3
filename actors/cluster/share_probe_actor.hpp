#pragma once
// Reads the share's marker when asked (share_marker.hpp). Spawn it
// detached: a read on a hung NFS mount blocks its own thread only.
#include <filesystem>

#include "messages/interfaces.hpp"

namespace h2k {

msg::share_probe_actor::behavior_type share_probe_actor_fn(msg::share_probe_actor::pointer self,
                                                           std::filesystem::path share_root);

}  // namespace h2k
