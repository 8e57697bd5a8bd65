package io.ffrtmp.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The CLI's own parser, help and usage errors, through {@link Ffrtmp#execute}. */
class CliParserTest {
  private static CliRun cli(String... args) {
    return CliRun.of(args);
  }

  private static void usageError(String expected, String command, String... args) {
    CliRun o = cli(args);
    assertEquals(2, o.code(), o.toString());
    assertEquals("Error: " + expected + "\nTry '" + command + " --help' for more information.\n",
        o.err(), String.join(" ", args));
    assertEquals("", o.out());
  }

  @Test
  void timeoutAndGrace_takeSecondsAsGnuTimeoutDoes_andBlameTheRightFlag() {
    String d = "' is not a duration (seconds, zero or more: 10, 1.5, or with a unit: 90s, 5m,"
        + " 2h, 1d)";
    usageError("Invalid value for option '--timeout': '-3" + d, "ffrtmp run", "run",
        "--timeout", "-3", "--", "true");
    usageError("Invalid value for option '--grace': '-1" + d, "ffrtmp run", "run",
        "--timeout", "1", "--grace", "-1", "--", "true");
    usageError("Invalid value for option '--timeout': '1,5" + d, "ffrtmp run", "run",
        "--timeout", "1,5", "--", "true");
    usageError("Invalid value for option '--timeout': '99999999999d' is longer than the timer"
        + " can represent (about 292 years)", "ffrtmp run", "run", "--timeout", "99999999999d",
        "--", "true");
    usageError("Invalid value for --grace: it is the time between SIGTERM and SIGKILL at a"
        + " --timeout, and there is no --timeout", "ffrtmp run", "run", "--grace", "3", "--",
        "true");
    List<java.time.Duration> parsed = new java.util.ArrayList<>();
    for (String v : List.of("1.5", ".25", "10", "10.", "90s", "1.5m", "2h", "1d", "0")) {
      List<Cli.Parsed> into = new java.util.ArrayList<>();
      Cli.parse(RunCommand.SPEC, List.of("--timeout", v, "--", "true"), into);
      parsed.add(into.get(0).duration("--timeout"));
    }
    assertEquals(List.of(java.time.Duration.ofMillis(1500), java.time.Duration.ofMillis(250),
        java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(10),
        java.time.Duration.ofSeconds(90), java.time.Duration.ofSeconds(90),
        java.time.Duration.ofHours(2), java.time.Duration.ofDays(1), java.time.Duration.ZERO),
        parsed);
  }

  @Test
  void run_anEmptyCommandName_isAUsageError() {
    usageError("Invalid value for COMMAND: the command's name is empty", "ffrtmp run", "run",
        "--", "");
  }

  @Test
  void usageErrors_nameTheArgument_andPointToTheCommandsHelp() {
    usageError("Missing subcommand: run, attach, backends, list, wait, update, stats, watch or metrics", "ffrtmp");
    usageError("Unknown command: 'rnu'\nDid you mean: run?", "ffrtmp", "rnu");
    usageError("Unknown command: 'frobnicate' (commands: run, attach, backends, list, wait, update, stats, watch, metrics)",
        "ffrtmp", "frobnicate");
    usageError("Unknown option: '--json'", "ffrtmp", "--json", "run");
    usageError("Unknown option: '--cpu-qouta=5'\nDid you mean: --cpu-quota?", "ffrtmp run",
        "run", "--cpu-qouta=5", "--", "true");
    usageError("Unknown option: '-x'", "ffrtmp run", "run", "-x", "true");
    usageError("Missing required parameter: 'COMMAND'", "ffrtmp run", "run", "--json");
    usageError("Missing required parameter: 'COMMAND'", "ffrtmp run", "run", "--");
    usageError("Missing required option: '--pid=PID'", "ffrtmp attach", "attach");
    usageError("Missing required option: '--job-id=ID'", "ffrtmp wait", "wait", "--json");
    usageError("Missing required parameter for option '--cpu-quota' (PERCENT)", "ffrtmp run",
        "run", "--cpu-quota");
    usageError("option '--nice' should be specified only once", "ffrtmp run", "run", "--nice=1",
        "--nice", "2", "true");
    usageError("option '--json' takes no value, got '--json=true'", "ffrtmp run", "run",
        "--json=true", "true");
    usageError("Invalid value for option '--cpu-quota': 'lots' is not an int", "ffrtmp run",
        "run", "--cpu-quota", "lots", "true");
    usageError("Invalid value for option '--pid': '12x' is not a long", "ffrtmp attach",
        "attach", "--pid=12x");
    usageError("Unmatched argument: 'extra'", "ffrtmp backends", "backends", "extra");
  }

  @Test
  void optionsEndAtTheFirstOperand_orAtDoubleDash() {
    List<Cli.Parsed> into = new java.util.ArrayList<>();
    assertEquals(Cli.Request.RUN, Cli.parse(RunCommand.SPEC,
        List.of("--cpu-quota=50", "--nice", "-3", "sh", "-c", "--json"), into));
    Cli.Parsed p = into.get(0);
    assertEquals(50, p.intValue("--cpu-quota"));
    assertEquals(-3, p.intValue("--nice"));
    assertEquals(List.of("sh", "-c", "--json"), p.operands());
    assertFalse(p.has("--json"), "the command's own flags are its own");
    assertEquals("unknown", p.get("--job-id"));
    assertEquals(100, p.intValue("--cpu-weight"));
    into.clear();
    Cli.parse(RunCommand.SPEC, List.of("--json", "--", "--help", "-"), into);
    assertEquals(List.of("--help", "-"), into.get(0).operands());
    assertTrue(into.get(0).has("--json"));
    assertEquals(Cli.Request.HELP, Cli.parse(RunCommand.SPEC, List.of("--nice=1", "-h"), into));
    assertEquals(Cli.Request.VERSION, Cli.parse(AttachCommand.SPEC, List.of("-V"), into));
  }

  @Test
  void help_listsEveryOption_inLinesOf80() {
    for (Cli.Spec spec : Ffrtmp.specs()) {
      CliRun o = cli(spec.name(), "--help");
      assertEquals(0, o.code());
      assertEquals("", o.err());
      assertTrue(o.out().startsWith("Usage: ffrtmp " + spec.name() + " [-hV]"), o.out());
      for (Cli.Option opt : spec.options()) {
        assertTrue(o.out().contains("      " + opt.synopsis()), opt.name() + " in " + o.out());
      }
      assertTrue(o.out().contains("  -h, --help"), o.out());
      for (String line : o.out().split("\n")) {
        assertTrue(line.length() <= 80 || line.startsWith("  ffrtmp ") || !line.contains(" "),
            "line of " + line.length() + ": " + line);
      }
    }
    CliRun top = cli("--help");
    assertEquals(0, top.code());
    for (Cli.Spec spec : Ffrtmp.specs()) {
      assertTrue(top.out().contains("\n  " + spec.name() + " "), spec.name() + " in " + top.out());
    }
    CliRun version = cli("run", "--version");
    assertEquals(Cli.VERSION + "\n", version.out());
  }

  @Test
  void seconds_areFormattedAsStringFormatWould() {
    qt().withExamples(100_000).forAll(doubles().between(0, 1_000_000))
        .checkAssert(d -> assertEquals(String.format(Locale.ROOT, "%.3f", d),
            RunCommand.seconds(d), Double.toString(d)));
    for (double d : new double[] {0, 0.0005, 0.0015, 0.9995, 1.0005, 2.5e-7, 123.456789, 1e15}) {
      assertEquals(String.format(Locale.ROOT, "%.3f", d), RunCommand.seconds(d), "" + d);
    }
  }
}
