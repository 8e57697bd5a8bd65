/**
 * ffrtmp core: the public API ({@code io.ffrtmp}), the backend SPI ({@code io.ffrtmp.spi}), the
 * race-free launcher and the {@code nice-fallback} backend.
 */
@org.jspecify.annotations.NullMarked
module io.ffrtmp.core {
  requires static transitive org.jspecify;
  requires com.sun.jna;
  requires org.slf4j;

  exports io.ffrtmp;
  exports io.ffrtmp.spi;
  exports io.ffrtmp.internal to
      io.ffrtmp.cgroups,
      io.ffrtmp.examples;

  opens io.ffrtmp.internal to
      com.sun.jna;

  uses io.ffrtmp.spi.GovernanceStrategy;

  provides io.ffrtmp.spi.GovernanceStrategy with
      io.ffrtmp.internal.NiceFallbackStrategy;
}
