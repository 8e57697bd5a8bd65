/**
 * ffrtmp's JUnit 5 extension: {@link io.ffrtmp.junit.Governed} on a test (or its class) runs the
 * processes the test starts through {@link io.ffrtmp.junit.GovernedWorkloads} under the declared
 * constraints, skips the test where they cannot be enforced, and kills and reports everything
 * the test started when it ends.
 */
@org.jspecify.annotations.NullMarked
module io.ffrtmp.junit {
  requires static transitive org.jspecify;
  requires transitive io.ffrtmp.core;
  requires transitive org.junit.jupiter.api;

  exports io.ffrtmp.junit;

  opens io.ffrtmp.junit to
      org.junit.platform.commons;
}
