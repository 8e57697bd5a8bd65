package io.ffrtmp.internal.os;

/** Signal numbers and names of Linux (x86-64 and arm64 share them for 1..31). */
public final class Signals {
  /** SIGTERM. */
  public static final int SIGTERM = 15;
  /** SIGKILL. */
  public static final int SIGKILL = 9;
  /** SIGCONT. */
  public static final int SIGCONT = 18;
  /** SIGSTOP. */
  public static final int SIGSTOP = 19;
  /** SIGURG: the launch shim's go (its default action is to ignore it). */
  public static final int SIGURG = 23;

  private static final String[] NAMES = {
    null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
    "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
    "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
    "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"
  };

  private Signals() {}

  /**
   * The name of a signal.
   *
   * @param signal the number
   * @return e.g. {@code SIGKILL}; {@code SIGRTMIN+n} or {@code SIG<n>} for others
   */
  public static String name(int signal) {
    if (signal > 0 && signal < NAMES.length) {
      return NAMES[signal];
    }
    if (signal >= 34 && signal <= 64) {
      return "SIGRTMIN+" + (signal - 34);
    }
    return "SIG" + signal;
  }
}
