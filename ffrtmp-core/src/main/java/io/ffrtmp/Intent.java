package io.ffrtmp;

import java.util.Locale;

/** Why a workload runs; carried into the report as {@code intent}. */
public enum Intent {
  /** A production job (the default). */
  PRODUCTION,
  /** A test run. */
  TEST,
  /** An experiment. */
  EXPERIMENT,
  /** A soak (long-running stability) run. */
  SOAK;

  /**
   * The name used in reports and on the command line.
   *
   * @return the lower-case name, e.g. {@code production}
   */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses an intent by its wire name, ignoring case.
   *
   * @param value one of {@code production}, {@code test}, {@code experiment}, {@code soak}
   * @return the intent
   * @throws IllegalArgumentException naming the value and the allowed values
   */
  public static Intent parse(String value) {
    for (Intent i : values()) {
      if (i.wireName().equalsIgnoreCase(value.trim())) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "intent must be one of production|test|experiment|soak, got '" + value + "'");
  }
}
