# The link actor's library (its deadline bookkeeping and the actor) and CAF.
set(H2K_TEST_LIBS_cluster h2k_actor_cluster)
