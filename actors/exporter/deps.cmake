# h2k_actor_exporter: export slots. Each runs one vSphere export at a time
# (engine/vsphere's export_vm, on its own worker thread) into the queue's
# .exports/ folder and hands the files to the scheduler.
set(H2K_ACTOR_DEPS_exporter h2k_vsphere h2k_storage h2k_actor_common CAF::core)
