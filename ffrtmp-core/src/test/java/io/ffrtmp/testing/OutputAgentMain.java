package io.ffrtmp.testing;

import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Output;
import io.ffrtmp.Workload;
import java.nio.file.Path;

/**
 * An agent whose workload writes a line every 100 ms: to a file ({@code file PATH}) or to the
 * standard output it inherits from this JVM ({@code inherit}). Prints {@code PID <pid>} on its
 * own standard output, then waits to be killed.
 */
public final class OutputAgentMain {
  private OutputAgentMain() {}

  /**
   * Entry point.
   *
   * @param args {@code file PATH} or {@code inherit}
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    var b = Workload.run("sh", "-c", "i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.1; done")
        .withJobId("output-agent");
    if (args[0].equals("file")) {
      b.withStdout(Output.toFile(Path.of(args[1])));
    }
    GovernedWorkload w = b.start();
    System.out.println("PID " + w.pid());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
