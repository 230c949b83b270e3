# h2k_actor_rest_api: the coordinator's REST API, CAF-free (see
# actors/CMakeLists.txt). It turns HTTP routes into the control protocol's
# requests and hands them to the same ControlHandler the control socket
# uses; cpp-httplib serves them on its own threads; OpenSSL's CRYPTO_memcmp
# compares the bearer token in constant time.
set(H2K_ACTOR_CAF_FREE_rest_api ON)
set(H2K_ACTOR_DEPS_rest_api h2k_actor_control_protocol h2k_httplib OpenSSL::Crypto Threads::Threads)
