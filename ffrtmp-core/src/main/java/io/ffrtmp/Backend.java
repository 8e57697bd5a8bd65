package io.ffrtmp;

/**
 * A governance backend and what its probe found, as {@link Workload#backends()} lists it.
 *
 * @param name e.g. {@code cgroup-v1}
 * @param priority its preference among usable backends
 * @param usable whether it can govern workloads here
 * @param reason what the probe found, or why it is unusable
 * @param selected whether workloads get it (automatic selection or {@code ffrtmp.strategy})
 */
public record Backend(String name, int priority, boolean usable, String reason,
    boolean selected) {}
