package io.ffrtmp.examples.cli;

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
        assertEquals(Long.toString(c.defaultValue()), option.defaultValue(), c.key());
      }
    }
  }

  @Test
  void outOfRangeValues_areUsageErrors_inTheLibrarysWords() {
    for (Constraint c : Constraint.values()) {
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
}
