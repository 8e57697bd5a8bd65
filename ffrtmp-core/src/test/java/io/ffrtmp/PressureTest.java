package io.ffrtmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The pressure files' format, as the kernel writes them (Documentation/accounting/psi.rst). */
class PressureTest {
  @Test
  void someAndFull_areParsed_aMissingOrBrokenLineIsNull() {
    String memory = "some avg10=0.12 avg60=3.45 avg300=100.00 total=123456789\n"
        + "full avg10=0.00 avg60=0.00 avg300=0.00 total=42\n";
    assertEquals(new Pressure.Stall(0.12, 3.45, 100.0, 123456789L),
        Pressure.parse(memory, "some"));
    assertEquals(new Pressure.Stall(0, 0, 0, 42L), Pressure.parse(memory, "full"));
    // cpu.pressure before Linux 5.13 has no full line
    assertNull(Pressure.parse("some avg10=1.00 avg60=1.00 avg300=1.00 total=7\n", "full"));
    assertNull(Pressure.parse(null, "some"));
    assertNull(Pressure.parse("some avg10=x avg60=1.00 avg300=1.00 total=7\n", "some"));
    assertNull(Pressure.parse("some avg60=1.00 avg10=1.00 avg300=1.00 total=7\n", "some"));
  }

  @Test
  void usageJson_carriesThePressureWithTheReportsKeys() {
    Usage u = new Usage(1.0, 0.5, 0.0, 10L, 0L, null, null, 8L, 0L, 3L,
        new Pressure(new Pressure.Stall(12.5, 1, 0.25, 99), null, null, null, null, null), 4L,
        null);
    assertEquals("{\"cpu_user_sec\":1.000,\"cpu_system_sec\":0.500,\"cpu_throttled_sec\":0.000,"
        + "\"memory_peak_bytes\":10,\"oom_kills\":0,\"io_read_bytes\":null,\"io_write_bytes\":null,"
        + "\"memory_current_bytes\":8,\"swap_current_bytes\":0,\"pids_current\":3,"
        + "\"pids_limit_hits\":4,\"memory_high_events\":null,\"pressure\":"
        + "{\"cpu\":{\"some\":{\"avg10\":12.500,\"avg60\":1.000,\"avg300\":0.250,"
        + "\"total_usec\":99},\"full\":null},\"memory\":{\"some\":null,\"full\":null},"
        + "\"io\":{\"some\":null,\"full\":null}}}", u.toJson());
  }

  @Test
  void trigger_isTheKernelsLine_andItsRangesAreNamed() {
    PressureTrigger t = PressureTrigger.of(PressureTrigger.Resource.MEMORY,
        PressureTrigger.Kind.FULL, java.time.Duration.ofMillis(100),
        java.time.Duration.ofSeconds(1));
    assertEquals("full 100000 1000000", t.line());
    assertEquals("memory full 100000 1000000", t.toString());
    IllegalArgumentException w = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> PressureTrigger.of(PressureTrigger.Resource.CPU,
            PressureTrigger.Kind.SOME, java.time.Duration.ofMillis(100),
            java.time.Duration.ofMillis(400)));
    assertEquals("window must be between 500 ms and 10 s, got PT0.4S", w.getMessage());
    IllegalArgumentException s = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> PressureTrigger.of(PressureTrigger.Resource.CPU,
            PressureTrigger.Kind.SOME, java.time.Duration.ofSeconds(2),
            java.time.Duration.ofSeconds(1)));
    assertEquals("stall must be more than 0 and at most the window (PT1S), got PT2S",
        s.getMessage());
  }

  /** Without cgroup v2 there is no pressure file: refused, naming the backend in use. */
  @Test
  void onPressure_withoutPressureFiles_isUnsupported_namingTheBackend() throws Exception {
    GovernedWorkload w = Workload.run("sleep", "5").withStrategy("nice-fallback")
        .withJobId("pressure-unsupported").start();
    try {
      UnsupportedOperationException e = org.junit.jupiter.api.Assertions.assertThrows(
          UnsupportedOperationException.class, () -> w.onPressure(PressureTrigger.of(
              PressureTrigger.Resource.CPU, PressureTrigger.Kind.SOME,
              java.time.Duration.ofMillis(100), java.time.Duration.ofSeconds(1)), ev -> { }));
      assertEquals("job pressure-unsupported: pressure triggers need the cgroup-v2 or systemd"
          + " backend (cgroup v2's <resource>.pressure files); it runs under nice-fallback",
          e.getMessage());
    } finally {
      w.terminate(java.time.Duration.ZERO);
      w.awaitReport();
    }
  }
}
