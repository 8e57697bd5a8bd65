/**
 * Embedding examples and benchmarks, built on the public API of {@code io.ffrtmp.core} only, and
 * the {@code bin/ffrtmp} launcher of the CLI ({@code io.ffrtmp.cli}). Runs on the module path as
 * well as on the class path ({@code bin/ffrtmp} uses the class path; a test runs the CLI on the
 * module path, where the backends are found only as {@code provides} of their modules).
 */
@org.jspecify.annotations.NullMarked
module io.ffrtmp.examples {
  requires transitive io.ffrtmp.core;
  requires static org.jspecify;
  requires java.management;
  // the metrics benchmark serves the CLI's Prometheus endpoint and scrapes it
  requires io.ffrtmp.cli;
  requires java.net.http;

  exports io.ffrtmp.examples;

  // the usage benchmark asks the SPI for the selected backend's provider
  uses io.ffrtmp.spi.GovernanceStrategy;
}
