package io.ffrtmp.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that finish workloads: build a report, deliver the terminal event to the
 * listeners and complete the report's future (whose dependents run there). Daemon threads,
 * created as needed and ended after a minute idle: a listener that blocks holds its own
 * thread, never the exit watcher's and never another workload's report.
 */
final class Delivery {
  private static final AtomicInteger COUNT = new AtomicInteger();
  private static final ExecutorService EXECUTOR = new ThreadPoolExecutor(0, Integer.MAX_VALUE,
      60, TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(), r -> {
        Thread t = new Thread(r, "ffrtmp-report-" + COUNT.incrementAndGet());
        t.setDaemon(true);
        return t;
      });

  private Delivery() {}

  /**
   * Runs a workload's finish on a delivery thread.
   *
   * @param finish the finish
   */
  static void execute(Runnable finish) {
    EXECUTOR.execute(finish);
  }
}
