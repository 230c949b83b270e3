#pragma once
// hyperctl's exit codes, stable for scripts (listed in --help).
namespace h2k::hyperctl::exit_code {

inline constexpr int kOk = 0;
inline constexpr int kDaemonError = 1;   // the daemon answered {"ok": false, ...}
inline constexpr int kVsphereRefused = 1;  // vms: vSphere refused (login, a fault, VM not found)
inline constexpr int kUsage = 2;
inline constexpr int kUnreachable = 3;   // no socket, nobody listening, connection lost, not a control socket
inline constexpr int kTimeout = 4;       // no reply within --timeout

}  // namespace h2k::hyperctl::exit_code
