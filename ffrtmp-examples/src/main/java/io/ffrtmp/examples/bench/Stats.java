package io.ffrtmp.examples.bench;

import java.util.Arrays;
import java.util.Locale;

/** Percentiles of a series of durations in nanoseconds. */
record Stats(String name, long[] nanos) {

  static Stats of(String name, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return new Stats(name, sorted);
  }

  long percentile(double p) {
    if (nanos.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(p / 100.0 * nanos.length) - 1;
    return nanos[Math.max(0, Math.min(nanos.length - 1, i))];
  }

  String line() {
    return String.format(Locale.ROOT, "  %-44s n=%-5d p50=%9s p90=%9s p99=%9s max=%9s", name,
        nanos.length, ms(percentile(50)), ms(percentile(90)), ms(percentile(99)),
        ms(percentile(100)));
  }

  static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.3fms", nanos / 1e6);
  }

  static String ratio(Stats governed, Stats baseline) {
    return String.format(Locale.ROOT, "%.2f", (double) governed.percentile(50)
        / Math.max(1, baseline.percentile(50)));
  }
}
