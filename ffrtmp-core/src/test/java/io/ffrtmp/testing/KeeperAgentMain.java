package io.ffrtmp.testing;

import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Agents for the keeper protocol's tests, each in a JVM of its own (to be killed):
 *
 * <ul>
 *   <li>{@code start <n> <job prefix> <command...>}: starts n workloads ({@code <prefix>-<i>}),
 *       prints {@code STARTED <n>}, then waits to be killed;
 *   <li>{@code slow-listener <job id> <command...>}: starts one whose listener, on the terminal
 *       event, prints {@code DELIVERING <exit code>} and blocks (the report is then built but not
 *       delivered), prints {@code PID <pid>} first;
 *   <li>{@code ack <yes|no> <job id> <command...>}: starts one {@code withAcknowledgement()},
 *       awaits its report, acknowledges it or not, prints {@code REPORTED <exit code>} and waits
 *       to be killed;
 *   <li>{@code detach <ack|plain> <job id> <command...>}: starts one, {@code
 *       withAcknowledgement()} or not, detaches it, prints {@code DETACHED <exit reason> <pid>}
 *       without acknowledging, and waits to be killed;
 *   <li>{@code recover-detach <job id>}: recovers the job's workloads through {@code
 *       Workload.recovery().withAcknowledgement()}, detaches each, prints {@code DETACHED <exit
 *       reason> <pid>} for each without acknowledging, and waits to be killed;
 *   <li>{@code recover <ack|plain> <job id>}: recovers the job's workloads through {@code
 *       Workload.recovery().withAcknowledgement()} or {@code Workload.recovery()}, awaits each
 *       report and prints {@code REPORTED <exit code>} without acknowledging (it has not kept
 *       it yet), then waits to be killed;
 *   <li>{@code claim <go file>}: prints {@code READY}, waits until the go file exists,
 *       recovers every workload, prints {@code RECOVERED <job id> <pid>} for each and {@code
 *       CLAIMED <n>}, then {@code REPORT <job id>} as each is reported, and {@code DONE}.
 * </ul>
 */
public final class KeeperAgentMain {
  private KeeperAgentMain() {}

  /**
   * Entry point.
   *
   * @param args the mode and its arguments
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    switch (args[0]) {
      case "start" -> {
        int n = Integer.parseInt(rest.get(0));
        for (int i = 0; i < n; i++) {
          Workload.run(rest.subList(2, rest.size())).withJobId(rest.get(1) + "-" + i).start();
        }
        System.out.println("STARTED " + n);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
      }
      case "slow-listener" -> {
        GovernedWorkload w = Workload.run(rest.subList(1, rest.size())).withJobId(rest.get(0))
            .withListener(e -> {
              if (e.report() != null && e.type() != WorkloadEvent.Type.RUNNING) {
                System.out.println("DELIVERING " + e.report().exitCode());
                System.out.flush();
                try {
                  Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException ie) {
                  Thread.currentThread().interrupt();
                }
              }
            }).start();
        System.out.println("PID " + w.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
      }
      case "claim" -> {
        Path go = Path.of(rest.get(0));
        System.out.println("READY");
        System.out.flush();
        while (!Files.exists(go)) {
          Thread.sleep(1);
        }
        List<GovernedWorkload> mine = Workload.recover();
        StringBuilder b = new StringBuilder();
        for (GovernedWorkload w : mine) {
          b.append("RECOVERED ").append(w.jobId()).append(' ').append(w.pid()).append('\n');
        }
        b.append("CLAIMED ").append(mine.size()).append('\n');
        System.out.print(b);
        System.out.flush();
        for (GovernedWorkload w : mine) {
          System.out.println("REPORT " + w.awaitReport().jobId());
        }
        System.out.println("DONE");
        System.out.flush();
      }
      case "ack" -> {
        GovernedWorkload w = Workload.run(rest.subList(2, rest.size())).withJobId(rest.get(1))
            .withAcknowledgement().start();
        int code = w.awaitReport().exitCode();
        if (rest.get(0).equals("yes")) {
          w.acknowledge();
        }
        System.out.println("REPORTED " + code);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
      }
      case "detach" -> {
        io.ffrtmp.WorkloadBuilder b = Workload.run(rest.subList(2, rest.size()))
            .withJobId(rest.get(1));
        if (rest.get(0).equals("ack")) {
          b.withAcknowledgement();
        }
        GovernedWorkload w = b.start();
        System.out.println("DETACHED " + w.detach().exitReason().wireName() + " " + w.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
      }
      case "recover-detach" -> {
        for (GovernedWorkload w : Workload.recovery().withAcknowledgement().recover(rest.get(0))) {
          System.out.println("DETACHED " + w.detach().exitReason().wireName() + " " + w.pid());
        }
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
      }
      case "recover" -> {
        io.ffrtmp.Recovery r = rest.get(0).equals("ack")
            ? Workload.recovery().withAcknowledgement() : Workload.recovery();
        for (GovernedWorkload w : r.recover(rest.get(1))) {
          System.out.println("REPORTED " + w.awaitReport().exitCode());
        }
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }
}
