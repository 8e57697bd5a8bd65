package io.ffrtmp.testing;

import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A JVM that attaches to its own parent (a shell), as an operator might by mistake: prints
 * {@code CGROUP_BEFORE}/{@code CGROUP_AFTER} (its own /proc/self/cgroup), {@code MAX_NICE} (the
 * highest nice of its threads after the adoption) and each warning, then detaches with restore.
 */
public final class AttachParentMain {
  private AttachParentMain() {}

  /**
   * Entry point.
   *
   * @param args unused
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    long parent = ProcessHandle.current().parent().orElseThrow().pid();
    String before = Files.readString(Path.of("/proc/self/cgroup")).replace('\n', ';');
    GovernedWorkload w = Workload.attach(parent).withJobId("parent-shell").withNice(5)
        .withCpuQuota(50).restoreOnDetach(true).start();
    System.out.println("CGROUP_BEFORE " + before);
    System.out.println("CGROUP_AFTER "
        + Files.readString(Path.of("/proc/self/cgroup")).replace('\n', ';'));
    int max = Integer.MIN_VALUE;
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        String s = Files.readString(t.resolve("stat"));
        max = Math.max(max, Integer.parseInt(s.substring(s.lastIndexOf(')') + 2).split(" ")[16]));
      }
    }
    System.out.println("MAX_NICE " + max);
    for (String warning : w.warnings()) {
      System.out.println("WARNING " + warning);
    }
    System.out.println("STRATEGY " + w.strategy());
    w.detach();
    System.out.flush();
  }
}
