/**
 * ffrtmp's cgroup backends: {@code systemd}, {@code cgroup-v2} and {@code cgroup-v1}, found by
 * {@link java.util.ServiceLoader} as {@link io.ffrtmp.spi.GovernanceStrategy} providers. Exports
 * nothing: use it through {@code io.ffrtmp.core}'s API.
 */
@org.jspecify.annotations.NullMarked
module io.ffrtmp.cgroups {
  requires io.ffrtmp.core;
  requires com.sun.jna;
  requires static org.jspecify;
  requires org.slf4j;

  opens io.ffrtmp.cgroups to
      com.sun.jna;

  provides io.ffrtmp.spi.GovernanceStrategy with
      io.ffrtmp.cgroups.systemd.SystemdStrategy,
      io.ffrtmp.cgroups.v2.CgroupV2Strategy,
      io.ffrtmp.cgroups.v1.CgroupV1Strategy;
}
