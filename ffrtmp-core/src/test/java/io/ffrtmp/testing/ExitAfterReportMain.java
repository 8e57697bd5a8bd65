package io.ffrtmp.testing;

import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadReport;

/**
 * An agent that ends its JVM the moment {@code awaitReport()} returns, as a command-line tool
 * does, while a dependent of the report's future (registered through {@code onExit()}) still
 * takes its time on the delivery thread. Argument: the agent's name. Prints {@code REPORT
 * <reason>}.
 */
public final class ExitAfterReportMain {
  private ExitAfterReportMain() {}

  /**
   * Entry point.
   *
   * @param args the agent's name
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    // it ends while awaitReport() waits: the waiter is woken first, the dependent runs after
    GovernedWorkload w = Workload.run("sleep", "0.5").withJobId("exit-after-report")
        .withAgent(args[0]).start();
    w.onExit().thenRun(() -> {
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    WorkloadReport r = w.awaitReport();
    System.out.println("REPORT " + r.exitReason());
    System.out.flush();
    System.exit(0);
  }
}
