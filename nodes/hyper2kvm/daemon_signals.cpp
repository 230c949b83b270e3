#include "nodes/hyper2kvm/daemon_signals.hpp"

#include <initializer_list>
#include <pthread.h>

namespace h2k {

sigset_t block_daemon_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return signals;
}

}  // namespace h2k
