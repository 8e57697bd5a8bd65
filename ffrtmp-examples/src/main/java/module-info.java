/**
 * The {@code ffrtmp} CLI and embedding examples, built on the public API of {@code
 * io.ffrtmp.core} only. Runs on the module path (the {@code bin/ffrtmp} launcher), which
 * proves that the backends are found as {@code provides} of their modules.
 */
@org.jspecify.annotations.NullMarked
module io.ffrtmp.examples {
  requires transitive io.ffrtmp.core;
  requires static org.jspecify;
  requires info.picocli;
  requires java.management;

  opens io.ffrtmp.examples.cli to
      info.picocli;

  exports io.ffrtmp.examples;

  // the usage benchmark asks the SPI for the selected backend's provider
  uses io.ffrtmp.spi.GovernanceStrategy;
}
