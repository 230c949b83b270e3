#include "nodes/hyper2kvm/tls_refusal_log.hpp"

#include <atomic>
#include <string>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace h2k {
namespace {

// Set once, never cleared: see the header.
std::atomic<spdlog::logger*> refusal_log{nullptr};

std::string peer_of(SSL* ssl) {
  const int fd = SSL_get_fd(ssl);
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (fd < 0 || ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "an unknown peer";
  const bool v6 = addr.ss_family == AF_INET6;
  if (!v6 && addr.ss_family != AF_INET) return "an unknown peer";
  const auto* in4 = reinterpret_cast<const sockaddr_in*>(&addr);
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
  char host[INET6_ADDRSTRLEN] = "?";
  ::inet_ntop(addr.ss_family, v6 ? static_cast<const void*>(&in6->sin6_addr) : &in4->sin_addr, host, sizeof host);
  const unsigned port = ntohs(v6 ? in6->sin6_port : in4->sin_port);
  return (v6 ? "[" + std::string(host) + "]" : std::string(host)) + ":" + std::to_string(port);
}

// OpenSSL's reason, without consuming its error queue (libcaf_openssl
// reads it after this returns).
std::string reason_of(SSL* ssl, int code) {
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) return std::string("its certificate: ") + X509_verify_cert_error_string(verify);
  if (const unsigned long e = ERR_peek_last_error(); e != 0) {
    if (const char* r = ERR_reason_error_string(e)) return r;
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
  }
  if (code == SSL_ERROR_SYSCALL || code == SSL_ERROR_ZERO_RETURN) return "it closed the connection during the handshake";
  return "handshake error " + std::to_string(code);
}

void report(SSL* ssl, int ret) {
  auto* log = refusal_log.load(std::memory_order_acquire);
  if (!log) return;
  const int code = SSL_get_error(ssl, ret);
  // Non-blocking sockets: the handshake goes on when more bytes arrive.
  if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) return;
  log->warn("cluster: refused a connection from {}: TLS handshake failed: {} (a node without a certificate of "
            "this cluster's CA, or without cluster.tls)",
            peer_of(ssl), reason_of(ssl, code));
}

}  // namespace

void log_tls_refusals(std::shared_ptr<spdlog::logger> log) {
  // Kept alive until exit: the middleman's thread may log until the end.
  auto* keep = new std::shared_ptr<spdlog::logger>(std::move(log));
  refusal_log.store(keep->get(), std::memory_order_release);
}

bool tls_refusal_log_active() {
  // The definition the dynamic linker binds SSL_accept to, for libraries
  // too: this file's only if the executable exports it.
  using accept_fn = int (*)(SSL*);
  auto* chosen = reinterpret_cast<accept_fn>(::dlsym(RTLD_DEFAULT, "SSL_accept"));
  return chosen == &SSL_accept;
}

}  // namespace h2k

// The interposed symbol (see the header). Same signature as libssl's.
extern "C" int SSL_accept(SSL* ssl) {
  using accept_fn = int (*)(SSL*);
  static const auto real = reinterpret_cast<accept_fn>(::dlsym(RTLD_NEXT, "SSL_accept"));
  if (!real) return -1;
  const int ret = real(ssl);
  if (ret != 1) h2k::report(ssl, ret);
  return ret;
}
