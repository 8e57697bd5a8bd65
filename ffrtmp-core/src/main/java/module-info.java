/**
 * ffrtmp core: the public API ({@code io.ffrtmp}), the backend SPI ({@code io.ffrtmp.spi}), the
 * race-free launcher and the {@code nice-fallback} backend. Only the API and the SPI are
 * exported; a backend needs nothing else (naming, process signalling and liveness are in the
 * SPI).
 */
@org.jspecify.annotations.NullMarked
module io.ffrtmp.core {
  requires static transitive org.jspecify;
  requires com.sun.jna;
  requires org.slf4j;

  exports io.ffrtmp;
  exports io.ffrtmp.spi;
  exports io.ffrtmp.metrics;

  opens io.ffrtmp.internal.os to
      com.sun.jna;

  uses io.ffrtmp.spi.GovernanceStrategy;

  provides io.ffrtmp.spi.GovernanceStrategy with
      io.ffrtmp.internal.NiceFallbackStrategy;
}
