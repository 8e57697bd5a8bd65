package io.ffrtmp.internal.watch;

import io.ffrtmp.internal.os.Posix;
import io.ffrtmp.internal.os.ProcFs;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM's own threads that every Java thread waits for: the VM thread, which brings the JVM
 * to a safepoint, and the garbage collector's threads, which work during one. While a watcher
 * runs they run at its threads' nice value, where the JVM may raise them ({@code CAP_SYS_NICE}:
 * root), and afterwards at the value they had.
 *
 * <p>Why: a collection stops the watcher's threads too. At nice 0 the collector's threads share
 * the CPUs with every runnable process of a fork bomb the watcher has not stopped yet, so the
 * more the bomb has forked, the longer the collection takes and the more it forks meanwhile,
 * up to whatever limit comes next (docs/ARCHITECTURE.md, "Threads", has the measurements).
 */
final class ServiceThreads {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceThreads.class);
  /** The names (as {@code comm} shows them) of HotSpot's VM thread and collectors' threads. */
  private static final List<String> NAMES = List.of("VM Thread", "GC Thread", "G1 ", "ZDriver",
      "ZDirector", "ZWorker", "Shenandoah");

  /** How many watchers run in this JVM; guarded by the class. */
  private static int watchers;
  /** Each thread raised, and its nice value before; guarded by the class. */
  private static Map<Integer, Long> before = Map.of();
  /** The threads that were at the value or above already, left alone; guarded by the class. */
  private static Set<Integer> alone = Set.of();
  /** The nice value the threads were raised to; guarded by the class. */
  private static int raisedTo;

  private ServiceThreads() {}

  /**
   * A watcher starts: the first one raises the threads to {@code nice} (those already there or
   * above are left as they are).
   *
   * @param nice the watcher's threads' nice value
   */
  static synchronized void raise(int nice) {
    if (watchers++ > 0) {
      return;
    }
    long self = ProcessHandle.current().pid();
    Map<Integer, Long> raised = new HashMap<>();
    Set<Integer> left = new HashSet<>();
    int refused = 0;
    for (int tid : ProcFs.threads(self)) {
      if (!service(self, tid)) {
        continue;
      }
      OptionalLong now = ProcFs.threadNice(self, tid);
      if (now.isEmpty()) {
        continue;
      }
      if (now.getAsLong() <= nice) {
        left.add(tid);
        continue;
      }
      if (Posix.setThreadNice(tid, nice) == 0) {
        raised.put(tid, now.getAsLong());
      } else {
        refused++;
      }
    }
    before = raised;
    alone = left;
    raisedTo = nice;
    LOG.debug("watch: the JVM's VM and collector threads at nice {}: {} raised, {} refused",
        nice, raised.size(), refused);
  }

  /**
   * A watcher stops: the last one sets the threads it raised back to their nice value, and the
   * collector's threads started since (which took the raised value from the thread that started
   * them) to the highest value the raised ones had: the JVM's own, as a rule.
   */
  static synchronized void restore() {
    if (watchers == 0 || --watchers > 0 || before.isEmpty()) {
      return;
    }
    long self = ProcessHandle.current().pid();
    long usual = before.values().stream().mapToLong(Long::longValue).max().orElse(0);
    for (int tid : ProcFs.threads(self)) {
      if (alone.contains(tid) || !service(self, tid)) {
        continue;
      }
      OptionalLong now = ProcFs.threadNice(self, tid);
      // a thread set to another value meanwhile is someone else's choice: left as it is
      if (now.isEmpty() || now.getAsLong() != raisedTo) {
        continue;
      }
      Posix.setThreadNice(tid, before.getOrDefault(tid, usual).intValue());
    }
    before = Map.of();
    alone = Set.of();
  }

  private static boolean service(long self, int tid) {
    try {
      String comm = ProcFs.readSmall("/proc/" + self + "/task/" + tid + "/comm");
      return NAMES.stream().anyMatch(comm::startsWith);
    } catch (IOException e) {
      return false; // ended meanwhile
    }
  }
}
