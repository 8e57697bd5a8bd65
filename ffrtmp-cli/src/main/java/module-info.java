/**
 * The {@code ffrtmp} command-line tool as a library, built on the public API of {@code
 * io.ffrtmp.core} only: {@link io.ffrtmp.cli.Ffrtmp#execute(java.io.PrintWriter,
 * java.io.PrintWriter, String...)} runs any of its commands in a tool of one's own. No logging
 * binding: the tool brings its own.
 */
@org.jspecify.annotations.NullMarked
module io.ffrtmp.cli {
  requires transitive io.ffrtmp.core;
  requires static org.jspecify;
  // watch --config: the original wrapper's watch-config.yaml
  requires org.snakeyaml.engine;
  // watch --metrics-listen: the Prometheus Java client
  requires io.prometheus.metrics.core;
  requires io.prometheus.metrics.model;
  requires io.prometheus.metrics.exporter.httpserver;
  requires jdk.httpserver; // what the exporter serves with (an automatic module names none)
  // sun.misc.Signal: the signals that end the wrapper (EndingSignals)
  requires jdk.unsupported;

  exports io.ffrtmp.cli;
}
