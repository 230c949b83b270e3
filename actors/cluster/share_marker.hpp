#pragma once
// The share's marker: <share_root>/.hyper2kvm-share holds one line, the
// share's id (random, made by the first coordinator that found none there).
// Every node reads it each heartbeat and the coordinator compares the id
// with its own. Why: a converter whose NFS export is not mounted sees an
// empty local folder at share_root (or another export, or a hung mount);
// without this every job it got would fail there, fast, and be charged to
// the job, so the node nearest to idle would fail the whole queue.
//
// NFS: each read opens the file anew, so close-to-open consistency makes
// the client revalidate it; a soft mount that lost its server fails the
// read (EIO), a hard one blocks it: the read runs on its own thread
// (share_probe_actor), never on an actor thread.
#include <filesystem>
#include <string>

#include "messages/node_messages.hpp"

namespace h2k {

inline constexpr const char* kShareMarkerName = ".hyper2kvm-share";

// What this host sees at `share_root`: the id, or the problem naming the path.
msg::share_view read_share_marker(const std::filesystem::path& share_root);

// Why `share_root` is not the share `expected_id` names, as this host sees
// it now ("" when it is): the marker unreadable, missing, or another id.
// A coordinator reads it around its own moves on the share (an unmounted
// share looks empty: "nothing to move" must not pass for done).
std::string share_mismatch(const std::filesystem::path& share_root, const std::string& expected_id);

// The coordinator's: the share's id, read from the marker, or a new one
// written there when there is none (to a temporary name, fsynced, then
// linked into place: never half a marker, never one replaced); `created`
// says which. Throws std::runtime_error naming the path and the reason.
std::string ensure_share_marker(const std::filesystem::path& share_root, bool* created = nullptr);

// The coordinator's share at its start. `remembered`: the id its state
// recorded at an earlier start ("" at the first start, or with state older
// than this record). Without one: ensure_share_marker. With one, the marker
// must be there and hold it: a coordinator started with its share not
// mounted would otherwise write a marker of its own into the empty mount
// point, every node would report another share, and no job would run until
// someone noticed. Throws std::runtime_error naming the marker and the fix.
std::string open_coordinator_share(const std::filesystem::path& share_root, const std::string& remembered,
                                   bool* created = nullptr);

}  // namespace h2k
