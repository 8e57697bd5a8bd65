package io.ffrtmp.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Declares the constraints of the processes a test starts, and registers the extension that
 * hands the test a {@link GovernedWorkloads} parameter to start them with:
 *
 * <pre>{@code
 * @Test
 * @Governed(memoryLimitMb = 64, pidsMax = 32)
 * void encoderStaysWithinItsMemory(GovernedWorkloads workloads) throws Exception {
 *   WorkloadReport r = workloads.run("ffmpeg", "-i", "in.mp4", "out.mkv").awaitReport();
 *   assertEquals(ExitReason.SUCCESS, r.exitReason());
 * }
 * }</pre>
 *
 * <p>Where a requested constraint cannot be enforced (no cgroups, no privilege, a controller
 * missing), the test is skipped at the first start, with the backend's reason ({@link
 * Unenforceable#SKIP}), or fails ({@link Unenforceable#FAIL}). Whatever the test started is
 * killed when it ends — passing or failing, children and daemons included (the whole cgroup) —
 * and each workload's report is published as a report entry of the test ({@code
 * ffrtmp.<job id>}). On a method it replaces one on the class. The values are the library's
 * ({@link io.ffrtmp.Constraint}, same units and defaults: a value left at its default is not
 * asked for).
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(GovernedExtension.class)
public @interface Governed {
  /**
   * CPU time in percent of one core; 0 = unlimited.
   *
   * @return the quota
   */
  int cpuQuota() default 0;

  /**
   * Relative CPU weight, 1..10000.
   *
   * @return the weight
   */
  int cpuWeight() default 100;

  /**
   * Memory limit in MiB; 0 = unlimited.
   *
   * @return the limit
   */
  long memoryLimitMb() default 0;

  /**
   * IO weight in percent; 0 = unset.
   *
   * @return the weight
   */
  int ioWeight() default 0;

  /**
   * Memory high (soft) limit in MiB; 0 = unlimited.
   *
   * @return the limit
   */
  long memoryHighMb() default 0;

  /**
   * Swap limit in MiB; 0 = no swap, -1 = unlimited.
   *
   * @return the limit
   */
  long swapMaxMb() default -1;

  /**
   * The most processes and threads at once; 0 = unlimited.
   *
   * @return the limit
   */
  int pidsMax() default 0;

  /**
   * The CPUs the processes may run on, e.g. {@code 0-1}; empty = all.
   *
   * @return the list
   */
  String cpus() default "";

  /**
   * The memory nodes they may allocate from; empty = all.
   *
   * @return the list
   */
  String memoryNodes() default "";

  /**
   * Block IO limits per device, e.g. {@code /dev/sda wbps=10M}; empty = none.
   *
   * @return the limits
   */
  String ioMax() default "";

  /**
   * What a start that cannot be governed as declared does to the test.
   *
   * @return {@link Unenforceable#SKIP} by default
   */
  Unenforceable unenforceable() default Unenforceable.SKIP;

  /** What a test whose constraints cannot be enforced on this host becomes. */
  enum Unenforceable {
    /** Skipped (aborted, as an assumption that does not hold), with the backend's reason. */
    SKIP,
    /** Failed, with the backend's reason: for suites that must run where they are enforced. */
    FAIL
  }
}
