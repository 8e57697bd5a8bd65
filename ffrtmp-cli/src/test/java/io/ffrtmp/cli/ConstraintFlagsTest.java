package io.ffrtmp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.Constraint;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/**
 * The CLI's constraint flags agree with the library's model: one flag per {@link Constraint}
 * on {@code run} and {@code attach}, with the model's default, and the library's own message
 * (key, value, range) as the usage error.
 */
class ConstraintFlagsTest {
  @Test
  void everyConstraint_hasItsFlag_withTheModelsDefault_onRunAndAttach() {
    assertEquals(EnumSet.allOf(Constraint.class), ConstraintOptions.FLAGS.keySet());
    for (Cli.Spec spec : new Cli.Spec[] {RunCommand.SPEC, AttachCommand.SPEC}) {
      for (Constraint c : Constraint.values()) {
        Cli.Option option = spec.option(ConstraintOptions.FLAGS.get(c));
        assertNotNull(option, spec.name() + " lacks " + ConstraintOptions.FLAGS.get(c));
        assertEquals(c.isText() ? "" : Long.toString(c.defaultValue()), option.defaultValue(),
            c.key());
      }
    }
  }

  @Test
  void outOfRangeValues_areUsageErrors_inTheLibrarysWords() {
    for (Constraint c : Constraint.values()) {
      if (c.isText()) {
        StringWriter err = new StringWriter();
        assertEquals(2, Ffrtmp.execute(new PrintWriter(new StringWriter()), new PrintWriter(err),
            "run", "--strategy", "nice-fallback", ConstraintOptions.FLAGS.get(c) + "=1-x", "--",
            "/bin/true"), c.key());
        assertTrue(err.toString().startsWith("Error: Invalid value for "
            + ConstraintOptions.FLAGS.get(c) + ": " + (c == Constraint.IO_MAX
                ? "io_max entry '1-x': the device must be MAJOR:MINOR"
                : c.key() + " must be a list of numbers 0..")), err.toString());
        continue;
      }
      long bad = c.min() - 1;
      StringWriter err = new StringWriter();
      int code = Ffrtmp.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), "run",
          "--strategy", "nice-fallback", ConstraintOptions.FLAGS.get(c) + "=" + bad, "--",
          "/bin/true");
      assertEquals(2, code, c.key());
      assertTrue(err.toString().startsWith("Error: Invalid value for "
          + ConstraintOptions.FLAGS.get(c) + ": " + c.key() + " must be between " + c.min()
          + " and " + c.max() + " (" + c.unit() + "), got " + bad), err.toString());
    }
  }

  /** The original wrapper's --cpu-max and --memory-max, as spellings of the same constraints. */
  @Test
  void theOriginalsCpuMaxAndMemoryMax_areSpellingsOfTheQuotaAndTheLimit() {
    StringWriter out = new StringWriter();
    assertEquals(0, Ffrtmp.execute(new PrintWriter(out), new PrintWriter(new StringWriter()),
        "run", "--json", "--strategy", "nice-fallback", "--cpu-max", "150000 100000",
        "--memory-max", "268435456", "--", "/bin/true"));
    assertTrue(out.toString().contains("\"constraints\":{\"cpu_quota\":150,\"cpu_weight\":100,"
        + "\"nice\":0,\"memory_limit_mb\":256,"), out.toString());
    StringWriter max = new StringWriter();
    assertEquals(0, Ffrtmp.execute(new PrintWriter(max), new PrintWriter(new StringWriter()),
        "run", "--json", "--strategy", "nice-fallback", "--cpu-max", "max 100000",
        "--memory-max", "max", "--", "/bin/true"));
    assertTrue(max.toString().contains("\"cpu_quota\":0,") && max.toString().contains(
        "\"memory_limit_mb\":0,"), max.toString());
    for (String[] bad : new String[][] {{"--cpu-max", "33333 100000"}, {"--cpu-max", "50"},
        {"--memory-max", "1000"}, {"--memory-max", "lots"},
        {"--cpu-max", "50000 100000", "--cpu-quota", "50"}}) {
      java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("run",
          "--strategy", "nice-fallback"));
      args.addAll(java.util.List.of(bad));
      args.addAll(java.util.List.of("--", "/bin/true"));
      StringWriter err = new StringWriter();
      assertEquals(2, Ffrtmp.execute(new PrintWriter(new StringWriter()), new PrintWriter(err),
          args.toArray(new String[0])), String.join(" ", bad));
      assertTrue(err.toString().startsWith("Error: Invalid value for " + bad[0] + ": "),
          err.toString());
    }
  }
}
