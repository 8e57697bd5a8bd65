package io.ffrtmp.internal;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The one timer thread of the library (timeouts, grace periods), a daemon, created on first use. */
final class Timers {
  private static final ScheduledThreadPoolExecutor EXECUTOR = create();

  private Timers() {}

  private static ScheduledThreadPoolExecutor create() {
    ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "ffrtmp-timer");
      t.setDaemon(true);
      return t;
    });
    e.setRemoveOnCancelPolicy(true);
    return e;
  }

  static ScheduledFuture<?> schedule(Runnable r, long nanos) {
    return EXECUTOR.schedule(r, nanos, TimeUnit.NANOSECONDS);
  }
}
