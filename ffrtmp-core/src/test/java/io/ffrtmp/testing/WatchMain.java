package io.ffrtmp.testing;

import io.ffrtmp.Constraints;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.WatchListener;
import io.ffrtmp.WatchRule;
import io.ffrtmp.Watcher;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A watcher in a JVM of its own, as a service runs one, for tests:
 * {@code WatchMain <command> <agent> <memory MiB> <job id pattern>} adopts every process of that
 * command name and prints {@code WATCHING <discovery>}, then {@code ADOPTED <pid> <cgroup>},
 * {@code RECOVERED <pid> <cgroup>}, {@code SKIPPED <pid> <reason>}, {@code ENDED <pid>} and
 * {@code WARNING <message>} as they happen; SIGTERM stops it, leaving what it adopted governed.
 */
public final class WatchMain {
  private WatchMain() {}

  /**
   * Entry point.
   *
   * @param args the command name, the agent, the memory limit in MiB, the job id pattern
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    WatchRule rule = WatchRule.forCommands(args[0])
        .constraints(Constraints.builder().memoryLimitMb(Long.parseLong(args[2])).build())
        .jobId(args[3]).build();
    CountDownLatch stop = new CountDownLatch(1);
    Watcher w = Workload.watch(List.of(rule)).withAgent(args[1]).withListener(
        new WatchListener() {
          @Override
          public void adopted(GovernedWorkload g, WatchRule r, Duration sinceExec) {
            say("ADOPTED " + g.pid() + " " + g.cgroupPath().orElse("-"));
          }

          @Override
          public void recovered(GovernedWorkload g) {
            say("RECOVERED " + g.pid() + " " + g.cgroupPath().orElse("-"));
          }

          @Override
          public void skipped(long pid, String command, String reason) {
            say("SKIPPED " + pid + " " + reason);
          }

          @Override
          public void ended(WorkloadReport report) {
            say("ENDED " + report.pid());
          }

          @Override
          public void warning(String message) {
            say("WARNING " + message);
          }
        }).start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      w.stop();
      say("STOPPED");
      stop.countDown();
    }));
    say("WATCHING " + w.discovery());
    stop.await();
  }

  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
