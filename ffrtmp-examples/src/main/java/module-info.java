/**
 * The {@code ffrtmp} CLI and embedding examples, built on the public API of {@code
 * io.ffrtmp.core} only. Runs on the module path as well as on the class path ({@code bin/ffrtmp}
 * uses the class path; a test runs the CLI on the module path, where the backends are found
 * only as {@code provides} of their modules).
 */
@org.jspecify.annotations.NullMarked
module io.ffrtmp.examples {
  requires transitive io.ffrtmp.core;
  requires static org.jspecify;
  requires java.management;
  // the metrics benchmark scrapes the Prometheus endpoint
  requires java.net.http;
  // watch --config: the original wrapper's watch-config.yaml
  requires org.snakeyaml.engine;
  // watch --metrics-listen: the Prometheus Java client
  requires io.prometheus.metrics.core;
  requires io.prometheus.metrics.model;
  requires io.prometheus.metrics.exporter.httpserver;
  requires jdk.httpserver; // what the exporter serves with (an automatic module names none)
  // sun.misc.Signal: the signals that end the wrapper (EndingSignals)
  requires jdk.unsupported;

  exports io.ffrtmp.examples;

  // the usage benchmark asks the SPI for the selected backend's provider
  uses io.ffrtmp.spi.GovernanceStrategy;
}
