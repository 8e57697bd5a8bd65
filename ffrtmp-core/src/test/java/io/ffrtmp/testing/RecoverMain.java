package io.ffrtmp.testing;

import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Workload;

/**
 * What a restarted agent does, for tests that need a separate JVM: {@code RecoverMain <job id>}
 * takes over that job's workloads and prints {@code RECOVERED <n>}, then {@code REPORT <json>}
 * for each as it ends.
 */
public final class RecoverMain {
  private RecoverMain() {}

  /**
   * Entry point.
   *
   * @param args the job id
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    var recovered = Workload.recover(args[0]);
    System.out.println("RECOVERED " + recovered.size());
    for (GovernedWorkload w : recovered) {
      System.out.println("REPORT " + w.awaitReport().toJson());
    }
    System.out.flush();
  }
}
