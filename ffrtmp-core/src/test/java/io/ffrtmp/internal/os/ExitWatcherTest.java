package io.ffrtmp.internal.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ExitWatcherTest {
  @Test
  void pollingFallback_noticesTheExit_withoutPidfds() throws Exception {
    ExitWatcher w = ExitWatcher.pollingOnly();
    Process p = new ProcessBuilder("sleep", "30").start();
    try {
      long start = ProcFs.stat(p.pid()).orElseThrow().startTime();
      CompletableFuture<Long> done = new CompletableFuture<>();
      w.watch(p.pid(), start, () -> done.complete(System.nanoTime()));
      assertEquals(1, w.size());
      Thread.sleep(1200); // past the first idle wake-up: now polled every 10 ms
      long killed = System.nanoTime();
      p.destroyForcibly();
      long ms = (done.get(5, TimeUnit.SECONDS) - killed) / 1_000_000;
      assertTrue(ms < 500, "noticed after " + ms + " ms");
      assertEquals(0, w.size());
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  @Test
  void aProcessAlreadyGoneAtRegistration_firesBeforeWatchReturns() throws Exception {
    Process p = new ProcessBuilder("true").start();
    long start = ProcFs.stat(p.pid()).map(ProcFs.Stat::startTime).orElse(0L);
    p.waitFor(); // exited and reaped: pidfd_open says ESRCH
    boolean[] fired = new boolean[1];
    ExitWatcher.shared().watch(p.pid(), start, () -> fired[0] = true);
    assertTrue(fired[0], "said at once, not at the watcher's next look");
  }

  @Test
  void aNewlyPolledProcess_wakesTheIdleWatcher_atOnce() throws Exception {
    ExitWatcher w = ExitWatcher.pollingOnly();
    Thread.sleep(100); // the watcher is asleep in its 1 s idle wait
    Process p = new ProcessBuilder("sleep", "30").start();
    try {
      long start = ProcFs.stat(p.pid()).orElseThrow().startTime();
      CompletableFuture<Long> done = new CompletableFuture<>();
      w.watch(p.pid(), start, () -> done.complete(System.nanoTime()));
      long killed = System.nanoTime();
      p.destroyForcibly();
      long ms = (done.get(5, TimeUnit.SECONDS) - killed) / 1_000_000;
      assertTrue(ms < 300, "noticed after " + ms + " ms, not after the idle second");
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  @Test
  void pidReuse_aRecordedStartTimeThatNoLongerMatches_countsAsExited() throws Exception {
    Process p = new ProcessBuilder("sleep", "30").start();
    try {
      long start = ProcFs.stat(p.pid()).orElseThrow().startTime();
      CompletableFuture<Boolean> done = new CompletableFuture<>();
      // the pid names a process that started at another time: not ours any more
      ExitWatcher.shared().watch(p.pid(), start + 1, () -> done.complete(true));
      assertTrue(done.get(1, TimeUnit.SECONDS));
      assertTrue(p.isAlive(), "the other process is left alone");
      CompletableFuture<Boolean> polled = new CompletableFuture<>();
      ExitWatcher.pollingOnly().watch(p.pid(), start + 1, () -> polled.complete(true));
      assertTrue(polled.get(3, TimeUnit.SECONDS));
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  @Test
  void atJvmExit_anIdleWatcherThreadLeaves_andWorkArrivingLaterIsStillWatched() throws Exception {
    for (ExitWatcher w : new ExitWatcher[] {ExitWatcher.separate(), ExitWatcher.pollingOnly()}) {
      Thread first = w.thread();
      w.jvmExiting();
      first.join(5000);
      assertFalse(first.isAlive(), "nothing watched: the thread left its native wait");
      Process p = new ProcessBuilder("sleep", "30").start();
      try {
        long start = ProcFs.stat(p.pid()).orElseThrow().startTime();
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        w.watch(p.pid(), start, () -> done.complete(true));
        assertNotSame(first, w.thread());
        assertTrue(w.thread().isAlive(), "a watch added during shutdown gets a thread");
        p.destroyForcibly();
        assertTrue(done.get(5, TimeUnit.SECONDS));
        w.thread().join(5000);
        assertFalse(w.thread().isAlive(), "and it leaves again once that exit was reported");
      } finally {
        p.destroyForcibly().waitFor();
      }
    }
  }

  @Test
  void atJvmExit_anExitStillWatchedIsStillReported() throws Exception {
    for (ExitWatcher w : new ExitWatcher[] {ExitWatcher.separate(), ExitWatcher.pollingOnly()}) {
      Process p = new ProcessBuilder("sleep", "30").start();
      try {
        long start = ProcFs.stat(p.pid()).orElseThrow().startTime();
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        w.watch(p.pid(), start, () -> done.complete(true));
        Thread t = w.thread();
        w.jvmExiting(); // e.g. a shutdown hook that terminates a workload and awaits its report
        Thread.sleep(200);
        assertTrue(t.isAlive(), "a watched exit keeps the thread");
        p.destroyForcibly();
        assertTrue(done.get(5, TimeUnit.SECONDS));
        t.join(5000);
        assertFalse(t.isAlive());
      } finally {
        p.destroyForcibly().waitFor();
      }
    }
  }
}
