package io.ffrtmp.internal;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deliveries between their report's completion and the removal of their records. Whoever awaits
 * a report wakes when it completes — while its delivery thread (a daemon) still runs the
 * future's dependents and then removes the records. A program that exits as soon as {@code
 * awaitReport()} returns (the CLI's {@code run} does) would otherwise halt the JVM before the
 * records go, and the next {@code recover()} would report the workload a second time. A
 * shutdown hook waits for the deliveries in flight, at most {@value #WAIT_SECONDS} s (a
 * dependent of the report that blocks, or that calls {@code System.exit} itself, cannot hold
 * the exit longer). A JVM killed in that window still leaves its records: the workload is then
 * reported twice, never not at all.
 */
final class Settling {
  private static final Logger LOG = LoggerFactory.getLogger(Settling.class);
  static final int WAIT_SECONDS = 2;
  private static final Object LOCK = new Object();
  private static int inFlight;
  private static boolean hooked;

  private Settling() {}

  /** Registers the shutdown hook (once): done when a workload is governed, not at its end. */
  static void prime() {
    synchronized (LOCK) {
      hook();
    }
  }

  /** A delivery completes its report and will remove its records. */
  static void begin() {
    synchronized (LOCK) {
      inFlight++;
      hook();
    }
  }

  /** Registers the hook once; the caller holds the lock. */
  private static void hook() {
    if (!hooked) {
      hooked = true;
      try {
        Runtime.getRuntime().addShutdownHook(new Thread(Settling::awaitAll,
            "ffrtmp-records-settle"));
      } catch (IllegalStateException e) {
        // the JVM is exiting already: nothing more can be waited for
      }
    }
  }

  /** The delivery removed its records (or gave up). */
  static void end() {
    synchronized (LOCK) {
      inFlight--;
      if (inFlight == 0) {
        LOCK.notifyAll();
      }
    }
  }

  /** The shutdown hook: waits for the deliveries in flight. */
  static void awaitAll() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    synchronized (LOCK) {
      while (inFlight > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          LOG.warn("JVM exiting while {} report(s) are being delivered: their records stay,"
              + " and the next recover() reports them again", inFlight);
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(LOCK, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
