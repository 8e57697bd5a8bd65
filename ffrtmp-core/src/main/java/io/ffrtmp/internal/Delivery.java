package io.ffrtmp.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that finish workloads: build a report, deliver the terminal event to the
 * listeners and complete the report's future (whose dependents run there). Daemon threads,
 * at most {@value #THREADS}, each ended after {@value #IDLE_SECONDS} s idle: a listener that
 * blocks holds its own thread, never the exit watcher's and never another workload's report
 * — until {@value #THREADS} block at once; beyond that many ends at one moment (a thousand
 * adopted processes killed together), reports wait their turn instead of a thread each.
 */
final class Delivery {
  /** The most delivery threads at once. */
  static final int THREADS = 64;

  private static final int IDLE_SECONDS = 10;
  private static final AtomicInteger COUNT = new AtomicInteger();
  private static final ExecutorService EXECUTOR;

  static {
    ThreadPoolExecutor e = new ThreadPoolExecutor(THREADS, THREADS, IDLE_SECONDS,
        TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "ffrtmp-report-" + COUNT.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    e.allowCoreThreadTimeOut(true);
    EXECUTOR = e;
  }

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
