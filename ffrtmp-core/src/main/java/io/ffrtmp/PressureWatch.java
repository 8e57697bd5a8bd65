package io.ffrtmp;

/**
 * A registered {@link PressureTrigger} of a workload ({@link GovernedWorkload#onPressure}).
 * It ends when closed, or by itself when the workload ends (its report is built) or its cgroup
 * goes.
 */
public interface PressureWatch extends AutoCloseable {
  /** Stops watching: no event after this returns; the trigger's file descriptor is closed. */
  @Override
  void close();

  /**
   * Whether it still watches.
   *
   * @return false once closed, or once the workload ended
   */
  boolean isActive();
}
