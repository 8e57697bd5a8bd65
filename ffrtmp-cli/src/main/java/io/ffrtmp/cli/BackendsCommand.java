package io.ffrtmp.cli;

import io.ffrtmp.Backend;
import io.ffrtmp.Workload;
import java.util.List;

/** {@code ffrtmp backends}: which backend this host gives, and why not the others. */
final class BackendsCommand implements Command {
  static final Cli.Spec SPEC = new Cli.Spec("backends",
      "List the governance backends and the one in use.",
      List.of("List the governance backends, what each one's probe found on this host, and"
          + " which one run and attach use."),
      List.of(), null, "", List.of());

  @Override
  public Cli.Spec spec() {
    return SPEC;
  }

  @Override
  public int call(Cli.Parsed args, Io io) {
    for (Backend b : Workload.backends()) {
      io.out().printf("%s %-14s %-9s %s%n", b.selected() ? "*" : " ", b.name(),
          b.usable() ? "usable" : "unusable", b.reason());
    }
    io.out().flush();
    return 0;
  }
}
