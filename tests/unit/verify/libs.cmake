set(H2K_TEST_LIBS_verify h2k_verify)
