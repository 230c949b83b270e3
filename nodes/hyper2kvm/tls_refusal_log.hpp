#pragma once
// The coordinator's side of a refused TLS node (cluster.tls).
//
// libcaf_openssl (CAF 0.17) runs each incoming connection's handshake inside
// the middleman and, when it fails, closes the socket without a word: no
// hook, no event, no log. A node with a foreign certificate, or one speaking
// plain TCP, was then refused silently on the coordinator's side.
//
// libcaf_openssl drives every server handshake through OpenSSL's SSL_accept.
// tls_refusal_log.cpp defines SSL_accept in this executable: the dynamic
// linker binds libcaf_openssl's calls to an executable's definition before
// libssl's, so each call passes through it to the real one (dlsym
// RTLD_NEXT), and a handshake that fails (not one that merely waits for
// bytes) is logged with the peer's address and OpenSSL's reason.
//
// A symbol is process-wide, so its sink is too: the one piece of global
// state in the daemon, installed once by a TLS coordinator before it
// listens, and kept until exit (the middleman may call it until then).
#include <memory>

#include <spdlog/logger.h>

namespace h2k {

void log_tls_refusals(std::shared_ptr<spdlog::logger> log);

// Whether SSL_accept passes through this file (false would mean the linker
// bound libcaf_openssl straight to libssl: the refusals would go unlogged).
bool tls_refusal_log_active();

}  // namespace h2k
