package io.ffrtmp.cli;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import sun.misc.Signal;

/**
 * The signals that end the wrapper, beyond SIGHUP, SIGINT and SIGTERM (which the JVM itself
 * turns into its shutdown): each one whose default action ends a process and that the JVM leaves
 * to Java is caught here and ends the JVM the same way, with exit status 128 + N, so that the
 * wrapper's shutdown hook still prints its one report. SIGQUIT stays the JVM's (a thread dump,
 * on stderr: {@code bin/ffrtmp} says so) and ends nothing; SIGPIPE and SIGXFSZ stay ignored by
 * the JVM (a write fails instead). SIGUSR2 is the JVM's own suspend/resume signal unless {@code
 * bin/ffrtmp} moved it ({@code _JAVA_SR_SIGNUM}); where it is, it is left alone. Real-time
 * signals cannot be caught in Java: they end the JVM without a report.
 */
final class EndingSignals {
  /** The signals handled here. */
  static final List<String> NAMES = List.of("USR1", "USR2", "ALRM", "VTALRM", "PROF", "XCPU",
      "IO", "PWR", "SYS", "STKFLT", "TRAP");

  /** The variables {@code bin/ffrtmp} sets for the JVM only, not for a workload. */
  private static final String SR_SIGNUM = "_JAVA_SR_SIGNUM";

  private static final String SR_SIGNUM_SET = "FFRTMP_SR_SIGNUM_SET";

  /** The name of the signal that ends the wrapper, once one did. */
  private static volatile @Nullable String received;

  private EndingSignals() {}

  /** Installs the handlers (once, in the process's entry point, never in a test's JVM). */
  static void install() {
    for (String name : NAMES) {
      try {
        Signal.handle(new Signal(name), EndingSignals::end);
      } catch (IllegalArgumentException e) {
        // the JVM uses it here (SIGUSR2 without bin/ffrtmp), or this system has no such signal
      }
    }
  }

  private static void end(Signal s) {
    received = "SIG" + s.getName();
    System.exit(128 + s.getNumber());
  }

  /**
   * The signal that ends the wrapper, when one of these did.
   *
   * @return e.g. {@code SIGUSR1}, or null (SIGHUP, SIGINT and SIGTERM are not told apart)
   */
  static @Nullable String received() {
    return received;
  }

  /**
   * Takes the launcher's variables for the JVM out of a workload's environment.
   *
   * @param environment the workload's environment, changed in place
   */
  static void forWorkload(Map<String, String> environment) {
    if ("1".equals(environment.remove(SR_SIGNUM_SET))) {
      environment.remove(SR_SIGNUM);
    }
  }
}
