package io.ffrtmp.examples;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A strict reader of Prometheus' text exposition format (version 0.0.4), line by line. */
final class Prometheus {
  private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  private static final String LABEL = "[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"";
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
  private static final Pattern TYPE = Pattern.compile(
      "# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
  private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(?:" + LABEL
      + "(?:," + LABEL + ")*,?)?\\})? (\\S+)(?: (-?[0-9]+))?");
  private static final Set<String> SUFFIXES = Set.of("", "_total", "_created", "_bucket",
      "_count", "_sum");

  private Prometheus() {}

  /**
   * Parses a scrape; every line must be a HELP or TYPE comment or a sample of a family whose
   * TYPE came before it, with a value Java reads as a double (or {@code NaN}, {@code +Inf},
   * {@code -Inf}).
   *
   * @param text the scrape
   * @return each sample's name and labels, as written, to its value
   * @throws AssertionError naming the first line that is not the format
   */
  static Map<String, Double> parse(String text) {
    Map<String, Double> samples = new LinkedHashMap<>();
    Set<String> families = new HashSet<>();
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      if (line.isEmpty() && n == text.split("\n", -1).length) {
        continue; // the newline that ends the last line
      }
      Matcher m;
      if ((m = HELP.matcher(line)).matches()) {
        continue;
      }
      if ((m = TYPE.matcher(line)).matches()) {
        if (!families.add(m.group(1))) {
          throw new AssertionError("line " + n + ": a second TYPE for " + m.group(1));
        }
        continue;
      }
      m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new AssertionError("line " + n + " is not the text format: " + line);
      }
      String name = m.group(1);
      if (SUFFIXES.stream().noneMatch(s -> name.endsWith(s)
          && families.contains(name.substring(0, name.length() - s.length())))) {
        throw new AssertionError("line " + n + ": " + name + " has no TYPE before it");
      }
      double v = switch (m.group(3)) {
        case "NaN" -> Double.NaN;
        case "+Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        default -> {
          try {
            yield Double.parseDouble(m.group(3));
          } catch (NumberFormatException e) {
            throw new AssertionError("line " + n + ": not a value: " + line, e);
          }
        }
      };
      String key = name + (m.group(2) == null ? "" : m.group(2));
      if (samples.put(key, v) != null) {
        throw new AssertionError("line " + n + ": " + key + " twice");
      }
    }
    return samples;
  }
}
