set(H2K_TEST_LIBS_messages h2k_messages CAF::core)
