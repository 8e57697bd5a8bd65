package io.ffrtmp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Many workloads ending at one moment (adopted processes killed together) are reported on at
 * most {@link Delivery#THREADS} delivery threads, not a thread each.
 */
class DeliveryThreadsTest {
  @Test
  void twoHundredEndsAtOnce_useAtMostTheBoundOfDeliveryThreads() throws Exception {
    List<Process> ps = new ArrayList<>();
    List<GovernedWorkload> ws = new ArrayList<>();
    Set<String> threads = ConcurrentHashMap.newKeySet();
    try {
      for (int i = 0; i < 200; i++) {
        Process p = new ProcessBuilder("sleep", "60").start();
        ps.add(p);
        ws.add(Workload.attach(p.pid()).withStrategy("nice-fallback").withDescendants(false)
            .withListener(e -> {
              if (e.report() != null) {
                threads.add(Thread.currentThread().getName());
                try {
                  Thread.sleep(20); // a listener that takes a moment: ends pile up
                } catch (InterruptedException ie) {
                  Thread.currentThread().interrupt();
                }
              }
            }).start());
      }
      for (Process p : ps) {
        p.toHandle().destroyForcibly();
      }
      for (GovernedWorkload w : ws) {
        assertEquals(ExitReason.UNKNOWN, w.awaitReport(Duration.ofSeconds(60)).exitReason());
      }
    } finally {
      ps.forEach(Process::destroyForcibly);
    }
    assertTrue(threads.stream().allMatch(t -> t.startsWith("ffrtmp-report-")), threads.toString());
    assertTrue(threads.size() <= Delivery.THREADS, threads.size() + " delivery threads for 200"
        + " ends at once: " + threads);
  }
}
