#include "actors/cluster/share_probe_actor.hpp"

#include "actors/cluster/share_marker.hpp"

namespace h2k {

msg::share_probe_actor::behavior_type share_probe_actor_fn(msg::share_probe_actor::pointer,
                                                           std::filesystem::path share_root) {
  return {
      [share_root](msg::probe_atom) -> msg::share_view { return read_share_marker(share_root); },
  };
}

}  // namespace h2k
