package io.ffrtmp.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The CLI's own command-line parsing and help: GNU-style long options ({@code --name=value} or
 * {@code --name value}, flags without a value, {@code -h}/{@code --help}, {@code
 * -V}/{@code --version}), options up to the first operand or {@code --}, and picocli's layout of
 * help and usage errors. A table of options per command, no reflection: a parsing library costs
 * a fresh JVM more than everything else the CLI does (see PERFORMANCE.md, "CLI start-up").
 */
final class Cli {
  private Cli() {}

  /** The version line of {@code --version}. */
  static final String VERSION = "ffrtmp 0.1.0-SNAPSHOT";

  /**
   * One option.
   *
   * @param name its long name, e.g. {@code --cpu-quota}
   * @param label the value's name in help, e.g. {@code PERCENT}; null for a flag
   * @param defaultValue the value when not given, or null
   * @param required whether it must be given
   * @param help its description
   */
  record Option(String name, @Nullable String label, @Nullable String defaultValue,
      boolean required, String help) {
    static Option flag(String name, String help) {
      return new Option(name, null, null, false, help);
    }

    static Option value(String name, String label, @Nullable String defaultValue, String help) {
      return new Option(name, label, defaultValue, false, help);
    }

    static Option required(String name, String label, String help) {
      return new Option(name, label, null, true, help);
    }

    String synopsis() {
      return label == null ? name : name + "=" + label;
    }
  }

  /**
   * What a command accepts and says about itself.
   *
   * @param name e.g. {@code run}
   * @param summary its line in the list of commands
   * @param description paragraphs shown after the usage line
   * @param options its options, in help order
   * @param operands the operands' name in help (e.g. {@code COMMAND}), or null when it takes none
   * @param operandsHelp their description
   * @param footer paragraphs shown after the options
   */
  record Spec(String name, String summary, List<String> description, List<Option> options,
      @Nullable String operands, String operandsHelp, List<String> footer) {
    @Nullable Option option(String name) {
      for (Option o : options) {
        if (o.name().equals(name)) {
          return o;
        }
      }
      return null;
    }

    String qualifiedName() {
      return "ffrtmp " + name;
    }
  }

  /** A usage error: {@code Error: <message>}, a pointer to the command's help, status 2. */
  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String command;

    UsageException(String command, String message) {
      super(message);
      this.command = command;
    }

    /** The command whose help the message points to, e.g. {@code ffrtmp run}. */
    String command() {
      return command;
    }
  }

  /** A command line, parsed against a {@link Spec}. */
  static final class Parsed {
    private final Spec spec;
    private final Map<String, String> given;
    private final List<String> operands;

    private Parsed(Spec spec, Map<String, String> given, List<String> operands) {
      this.spec = spec;
      this.given = given;
      this.operands = operands;
    }

    /** Whether the option was on the command line. */
    boolean has(String name) {
      return given.containsKey(name);
    }

    /** The option's value: as given, else its default, else null. */
    @Nullable String get(String name) {
      String v = given.get(name);
      if (v != null) {
        return v;
      }
      Option o = spec.option(name);
      if (o == null) {
        throw new IllegalArgumentException("no option " + name + " in " + spec.name());
      }
      return o.defaultValue();
    }

    /** The option's value as an {@code int}; a usage error when it is not one. */
    int intValue(String name) {
      return (int) number(name, "an int", Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** The option's value as a {@code long}; a usage error when it is not one. */
    long longValue(String name) {
      return number(name, "a long", Long.MIN_VALUE, Long.MAX_VALUE);
    }

    private long number(String name, String what, long min, long max) {
      String v = get(name);
      try {
        long n = Long.parseLong(String.valueOf(v));
        if (n >= min && n <= max) {
          return n;
        }
      } catch (NumberFormatException e) {
        // below
      }
      throw usage(spec, "Invalid value for option '" + name + "': '" + Log.printable(v)
          + "' is not " + what);
    }

    /**
     * The option's value as a duration, read as GNU {@code timeout} reads one: a number of
     * seconds, decimals allowed ({@code 1.5}), with an optional unit {@code s}, {@code m},
     * {@code h} or {@code d}; a usage error naming the option for anything else, a negative
     * value included.
     */
    Duration duration(String name) {
      String v = String.valueOf(get(name));
      String number = v;
      long unit = 1;
      if (!v.isEmpty() && "smhd".indexOf(v.charAt(v.length() - 1)) >= 0) {
        unit = switch (v.charAt(v.length() - 1)) {
          case 'm' -> 60;
          case 'h' -> 3600;
          case 'd' -> 86400;
          default -> 1;
        };
        number = v.substring(0, v.length() - 1);
      }
      java.math.BigDecimal seconds = null;
      if (number.matches("[0-9]*\\.?[0-9]+|[0-9]+\\.")) {
        seconds = new java.math.BigDecimal(number).multiply(java.math.BigDecimal.valueOf(unit));
      }
      if (seconds == null) {
        throw usage(spec, "Invalid value for option '" + name + "': '" + Log.printable(v)
            + "' is not a duration (seconds, zero or more: 10, 1.5, or with a unit: 90s, 5m,"
            + " 2h, 1d)");
      }
      java.math.BigDecimal nanos = seconds.movePointRight(9);
      if (nanos.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
        throw usage(spec, "Invalid value for option '" + name + "': '" + Log.printable(v)
            + "' is longer than the timer can represent (about 292 years)");
      }
      return Duration.ofNanos(nanos.setScale(0, java.math.RoundingMode.CEILING).longValue());
    }

    /** The operands, in order. */
    List<String> operands() {
      return operands;
    }
  }

  /** The outcome of parsing: a command line to run, or help or version to print. */
  enum Request {
    RUN,
    HELP,
    VERSION
  }

  static UsageException usage(Spec spec, String message) {
    return new UsageException(spec.qualifiedName(), message);
  }

  /**
   * Parses {@code args} (the words after the command's name).
   *
   * @param spec the command
   * @param args its arguments
   * @param into receives the parsed command line when the request is {@link Request#RUN}
   * @return what to do
   * @throws UsageException for anything the command does not accept
   */
  static Request parse(Spec spec, List<String> args, List<Parsed> into) {
    Map<String, String> given = new HashMap<>();
    List<String> operands = new ArrayList<>();
    int i = 0;
    for (; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--")) {
        i++;
        break;
      }
      if (a.equals("-h") || a.equals("--help")) {
        return Request.HELP;
      }
      if (a.equals("-V") || a.equals("--version")) {
        return Request.VERSION;
      }
      if (!a.startsWith("-") || a.equals("-")) {
        break; // the first operand: everything from here on is the operands (a command's own flags)
      }
      int eq = a.indexOf('=');
      String name = eq < 0 ? a : a.substring(0, eq);
      Option o = spec.option(name);
      if (o == null || !name.startsWith("--")) {
        throw usage(spec, "Unknown option: '" + Log.printable(a) + "'"
            + suggestion(spec, name));
      }
      String value;
      if (o.label() == null) {
        if (eq >= 0) {
          throw usage(spec, "option '" + name + "' takes no value, got '" + a + "'");
        }
        value = "true";
      } else if (eq >= 0) {
        value = a.substring(eq + 1);
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw usage(spec, "Missing required parameter for option '" + name + "' ("
            + o.label() + ")");
      }
      if (given.put(name, value) != null) {
        throw usage(spec, "option '" + name + "' should be specified only once");
      }
    }
    operands.addAll(args.subList(Math.min(i, args.size()), args.size()));
    for (Option o : spec.options()) {
      if (o.required() && !given.containsKey(o.name())) {
        throw usage(spec, "Missing required option: '" + o.synopsis() + "'");
      }
    }
    if (spec.operands() == null && !operands.isEmpty()) {
      throw usage(spec, "Unmatched argument: '" + operands.get(0) + "'");
    }
    if (spec.operands() != null && operands.isEmpty()) {
      throw usage(spec, "Missing required parameter: '" + spec.operands() + "'");
    }
    into.add(new Parsed(spec, given, List.copyOf(operands)));
    return Request.RUN;
  }

  /** {@code \nDid you mean: --cpu-quota?} for a near miss, else nothing. */
  private static String suggestion(Spec spec, String name) {
    String best = null;
    int bestDistance = 3;
    for (Option o : spec.options()) {
      int d = distance(o.name(), name);
      if (d < bestDistance) {
        best = o.name();
        bestDistance = d;
      }
    }
    return best == null ? "" : "\nDid you mean: " + best + "?";
  }

  /** Levenshtein distance. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static final int WIDTH = 80;
  private static final int COLUMN = 29;

  /** Prints a command's help: usage line, description, options, footer. */
  static void help(Spec spec, PrintWriter out) {
    StringBuilder usage = new StringBuilder("Usage: " + spec.qualifiedName() + " [-hV]");
    for (Option o : spec.options()) {
      usage.append(o.required() ? " " + o.synopsis() : " [" + o.synopsis() + "]");
    }
    if (spec.operands() != null) {
      usage.append(" [--] ").append(spec.operands()).append("...");
    }
    wrap(out, usage.toString(), ("Usage: " + spec.qualifiedName() + " ").length());
    for (String p : spec.description()) {
      wrap(out, p, 0);
    }
    Map<String, String> rows = new LinkedHashMap<>();
    if (spec.operands() != null) {
      rows.put("      " + spec.operands() + "...", spec.operandsHelp());
    }
    for (Option o : spec.options()) {
      rows.put("      " + o.synopsis(), o.help()
          + (o.defaultValue() != null && !o.help().contains("default") ? " (default: "
              + o.defaultValue() + ")" : ""));
    }
    rows.put("  -h, --help", "Show this help message and exit.");
    rows.put("  -V, --version", "Print version information and exit.");
    for (Map.Entry<String, String> row : rows.entrySet()) {
      String left = row.getKey();
      if (left.length() >= COLUMN - 1) {
        out.println(left);
        left = "";
      }
      StringBuilder first = new StringBuilder(left);
      while (first.length() < COLUMN) {
        first.append(' ');
      }
      wrap(out, first + row.getValue(), COLUMN);
    }
    for (String p : spec.footer()) {
      wrap(out, p, 0);
    }
    out.flush();
  }

  /** Prints the top-level help: the commands and what each does. */
  static void help(List<Spec> commands, PrintWriter out) {
    out.println("Usage: ffrtmp [-hV] [COMMAND]");
    out.println("Run or adopt Linux processes under CPU, memory, IO, priority and OOM"
        + " constraints.");
    out.println("  -h, --help      Show this help message and exit.");
    out.println("  -V, --version   Print version information and exit.");
    out.println("Commands:");
    for (Spec s : commands) {
      String first = s.summary();
      StringBuilder row = new StringBuilder("  " + s.name());
      while (row.length() < 12) {
        row.append(' ');
      }
      wrap(out, row + first, 12);
    }
    out.println("Run 'ffrtmp COMMAND --help' for a command's options.");
    out.flush();
  }

  /**
   * Prints {@code text} in lines of at most 80 characters, broken at spaces, continuation lines
   * indented by {@code indent}; an empty text is an empty line, and a text that starts with two
   * spaces (an example command) is printed as it is.
   */
  private static void wrap(PrintWriter out, String text, int indent) {
    String line = text;
    while (line.length() > WIDTH && !(indent == 0 && text.startsWith("  "))) {
      int cut = line.lastIndexOf(' ', WIDTH);
      if (cut <= indent) {
        break; // one word longer than the line: left whole
      }
      out.println(line.substring(0, cut));
      line = " ".repeat(indent) + line.substring(cut + 1);
    }
    out.println(line);
  }
}
