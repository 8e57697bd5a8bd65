package io.ffrtmp.examples.cli;

import io.ffrtmp.Workload;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code ffrtmp backends}: which backend this host gives, and why not the others. */
@Command(
    name = "backends",
    mixinStandardHelpOptions = true,
    description = "List the governance backends, what each one's probe found on this host, and"
        + " which one run and attach use.")
final class BackendsCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    for (Workload.Backend b : Workload.backends()) {
      spec.commandLine().getOut().printf("%s %-14s %-9s %s%n", b.selected() ? "*" : " ", b.name(),
          b.usable() ? "usable" : "unusable", b.reason());
    }
    spec.commandLine().getOut().flush();
    return 0;
  }
}
