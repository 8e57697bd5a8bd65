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
}
