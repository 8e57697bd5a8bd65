package io.ffrtmp.cgroups.reliability;

/** Counts for the reliability suites: reduced in the normal build, full with -Dffrtmp.test.long=true. */
final class Reliability {
  private Reliability() {}

  static boolean full() {
    return Boolean.getBoolean("ffrtmp.test.long");
  }

  static int count(int reduced, int full) {
    return full() ? full : reduced;
  }
}
