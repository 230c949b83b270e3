# Links only the messages and CAF (core + the middleman): the test talks to a
# second copy of itself over TCP.
set(H2K_TEST_LIBS_messages_remote h2k_messages CAF::core CAF::io)
