package io.ffrtmp.cli;

import io.ffrtmp.Constraint;
import io.ffrtmp.Constraints;
import io.ffrtmp.WatchRule;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * The watcher's configuration file: the original wrapper's {@code watch-config.yaml}, read as it
 * is — {@code scan_interval}, {@code target_commands}, {@code default_limits}, {@code filters}
 * (users, uids, parents, dirs, {@code min_runtime}, {@code max_runtime}) and {@code
 * commands.<name>.limits/filters} — plus the limits ffrtmp has beyond the original's three. A key
 * this reader does not know, or a value of the wrong kind, is an error naming the key and its
 * line: a typo must not silently leave a node ungoverned.
 *
 * <p>Each target command becomes one rule: the default limits with the command's own over them;
 * the global filters and the command's both apply (allowed users: both lists; blocked: either;
 * the larger {@code min_runtime}, the smaller {@code max_runtime}).
 */
final class WatchConfig {
  /** The original's defaults where the file says nothing. */
  static final List<String> DEFAULT_TARGETS = List.of("ffmpeg", "gst-launch-1.0");

  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

  /** The limit keys: the original's three, then ffrtmp's, named as the CLI flags. */
  static final Map<String, Constraint> LIMITS = limits();

  private static final Set<String> TOP = Set.of("scan_interval", "target_commands",
      "default_limits", "filters", "commands");
  private static final Set<String> FILTERS = Set.of("allowed_users", "blocked_users",
      "allowed_uids", "blocked_uids", "allowed_parents", "blocked_parents", "min_runtime",
      "max_runtime", "allowed_dirs", "blocked_dirs");
  /** The original's per-command filters are these four. */
  private static final Set<String> COMMAND_FILTERS = Set.of("allowed_users", "blocked_users",
      "min_runtime", "max_runtime");
  private static final Pattern GO_DURATION =
      Pattern.compile("([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|ms|s|m|h)");

  /** A problem in the file, with where it is. */
  static final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message);
    }
  }

  /** What the file says. */
  record Parsed(Duration scanInterval, List<WatchRule> rules) {}

  private final String file;

  private WatchConfig(String file) {
    this.file = file;
  }

  private static Map<String, Constraint> limits() {
    Map<String, Constraint> m = new LinkedHashMap<>();
    m.put("cpu_quota", Constraint.CPU_QUOTA);
    m.put("cpu_weight", Constraint.CPU_WEIGHT);
    m.put("memory_limit", Constraint.MEMORY_LIMIT_MB);
    m.put("memory_high", Constraint.MEMORY_HIGH_MB);
    m.put("swap_max", Constraint.SWAP_MAX_MB);
    m.put("pids_max", Constraint.PIDS_MAX);
    m.put("io_weight", Constraint.IO_WEIGHT);
    m.put("nice", Constraint.NICE);
    m.put("oom_score", Constraint.OOM_SCORE);
    m.put("cpus", Constraint.CPUS);
    m.put("memory_nodes", Constraint.MEMORY_NODES);
    m.put("io_max", Constraint.IO_MAX);
    return m;
  }

  /**
   * Reads a file.
   *
   * @param path the file
   * @param defaults the limits where the file gives none (the command line's)
   * @param base a rule builder with what the command line adds (job id pattern, intent)
   * @return its rules and scan interval
   * @throws Invalid naming the file, line and key
   * @throws IOException when it cannot be read
   */
  static Parsed read(Path path, Constraints defaults, java.util.function.Supplier<WatchRule.Builder>
      base) throws Invalid, IOException {
    Node root;
    try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      LoadSettings settings = LoadSettings.builder().setLabel(path.toString()).build();
      root = new Composer(settings, new ParserImpl(settings, new StreamReader(settings, r)))
          .getSingleNode().orElse(null);
    } catch (YamlEngineException e) {
      throw new Invalid(path + ": not YAML: " + e.getMessage().replace('\n', ' ').trim());
    }
    return new WatchConfig(path.toString()).parse(root, defaults, base);
  }

  private Parsed parse(@Nullable Node root, Constraints defaults,
      java.util.function.Supplier<WatchRule.Builder> base) throws Invalid {
    Map<String, NodeTuple> top = root == null ? Map.of() : mapping(root, "the file", TOP);
    Duration interval = top.containsKey("scan_interval")
        ? duration(top.get("scan_interval"), "scan_interval") : DEFAULT_INTERVAL;
    if (interval == null || interval.isZero()) {
      throw invalid(top.get("scan_interval").getValueNode(), "scan_interval must be more than 0");
    }
    List<String> targets = top.containsKey("target_commands")
        ? strings(top.get("target_commands").getValueNode(), "target_commands")
        : DEFAULT_TARGETS;
    if (targets.isEmpty()) {
      targets = DEFAULT_TARGETS; // as the original: an empty list means its defaults
    }
    Constraints limits = top.containsKey("default_limits")
        ? limits(top.get("default_limits").getValueNode(), "default_limits", defaults)
        : defaults;
    Filters global = top.containsKey("filters")
        ? filters(top.get("filters").getValueNode(), "filters", FILTERS) : Filters.NONE;
    Map<String, NodeTuple> commands = Map.of();
    if (top.containsKey("commands")) {
      Node c = top.get("commands").getValueNode();
      commands = isNull(c) ? Map.of() : mapping(c, "commands", null);
      for (var e : commands.entrySet()) {
        if (!targets.contains(e.getKey())) {
          throw invalid(e.getValue().getKeyNode(), "commands." + e.getKey() + ": '"
              + e.getKey() + "' is not in target_commands " + targets + ", so it would never be"
              + " watched");
        }
      }
    }
    List<WatchRule> rules = new ArrayList<>();
    for (String target : targets) {
      Constraints own = limits;
      Filters filters = global;
      NodeTuple t = commands.get(target);
      if (t != null && !isNull(t.getValueNode())) {
        String at = "commands." + target;
        Map<String, NodeTuple> c = mapping(t.getValueNode(), at, Set.of("limits", "filters"));
        if (c.containsKey("limits")) {
          own = limits(c.get("limits").getValueNode(), at + ".limits", limits);
        }
        if (c.containsKey("filters")) {
          Node f = c.get("filters").getValueNode();
          try {
            filters = global.and(filters(f, at + ".filters", COMMAND_FILTERS));
          } catch (IllegalStateException e) {
            throw invalid(c.get("filters").getKeyNode(), at + ".filters: " + e.getMessage());
          }
        }
      }
      WatchRule.Builder b = base.get().name(target);
      try {
        b.commands(List.of(target));
      } catch (IllegalArgumentException e) {
        throw new Invalid(file + ": target_commands: " + e.getMessage());
      }
      rules.add(filters.applyTo(b).constraints(own).build());
    }
    return new Parsed(interval, rules);
  }

  /** The filters of one level, or both levels combined. */
  private record Filters(Set<String> users, Set<String> blockedUsers, Set<Long> uids,
      Set<Long> blockedUids, Set<Long> parents, Set<Long> blockedParents,
      @Nullable Duration minRuntime, @Nullable Duration maxRuntime, List<String> dirs,
      List<String> blockedDirs) {
    static final Filters NONE = new Filters(Set.of(), Set.of(), Set.of(), Set.of(), Set.of(),
        Set.of(), null, null, List.of(), List.of());

    /** Both must pass: allowed lists meet, blocked lists join. */
    Filters and(Filters o) {
      return new Filters(meet(users, o.users), join(blockedUsers, o.blockedUsers),
          meet(uids, o.uids), join(blockedUids, o.blockedUids), meet(parents, o.parents),
          join(blockedParents, o.blockedParents), later(minRuntime, o.minRuntime, true),
          later(maxRuntime, o.maxRuntime, false), dirs.isEmpty() ? o.dirs : dirs,
          List.copyOf(join(new LinkedHashSet<>(blockedDirs), new LinkedHashSet<>(o.blockedDirs))));
    }

    private static <T> Set<T> meet(Set<T> a, Set<T> b) {
      if (a.isEmpty() || b.isEmpty()) {
        return a.isEmpty() ? b : a;
      }
      Set<T> out = new LinkedHashSet<>(a);
      out.retainAll(b);
      if (out.isEmpty()) {
        throw new IllegalStateException("its allowed list " + b + " and the global one " + a
            + " have nothing in common: nothing would ever be adopted");
      }
      return out;
    }

    private static <T> Set<T> join(Set<T> a, Set<T> b) {
      Set<T> out = new LinkedHashSet<>(a);
      out.addAll(b);
      return out;
    }

    private static @Nullable Duration later(@Nullable Duration a, @Nullable Duration b,
        boolean larger) {
      if (a == null || b == null) {
        return a == null ? b : a;
      }
      return (a.compareTo(b) > 0) == larger ? a : b;
    }

    WatchRule.Builder applyTo(WatchRule.Builder b) {
      b.users(users.toArray(String[]::new)).blockedUsers(blockedUsers.toArray(String[]::new));
      b.uids(uids.stream().mapToLong(Long::longValue).toArray())
          .blockedUids(blockedUids.stream().mapToLong(Long::longValue).toArray());
      b.parents(parents.stream().mapToLong(Long::longValue).toArray())
          .blockedParents(blockedParents.stream().mapToLong(Long::longValue).toArray());
      b.dirs(dirs.toArray(String[]::new)).blockedDirs(blockedDirs.toArray(String[]::new));
      if (minRuntime != null) {
        b.minAge(minRuntime);
      }
      if (maxRuntime != null) {
        b.maxAge(maxRuntime);
      }
      return b;
    }
  }

  private Filters filters(Node node, String at, Set<String> known) throws Invalid {
    if (isNull(node)) {
      return Filters.NONE;
    }
    Map<String, NodeTuple> m = mapping(node, at, known);
    return new Filters(
        new LinkedHashSet<>(stringsOf(m, "allowed_users", at)),
        new LinkedHashSet<>(stringsOf(m, "blocked_users", at)),
        ids(m, "allowed_uids", at, 0), ids(m, "blocked_uids", at, 0),
        ids(m, "allowed_parents", at, 1), ids(m, "blocked_parents", at, 1),
        m.containsKey("min_runtime") ? duration(m.get("min_runtime"), at + ".min_runtime") : null,
        m.containsKey("max_runtime") ? duration(m.get("max_runtime"), at + ".max_runtime") : null,
        dirs(m, "allowed_dirs", at), dirs(m, "blocked_dirs", at));
  }

  private List<String> stringsOf(Map<String, NodeTuple> m, String key, String at)
      throws Invalid {
    return m.containsKey(key) ? strings(m.get(key).getValueNode(), at + "." + key) : List.of();
  }

  private List<String> dirs(Map<String, NodeTuple> m, String key, String at) throws Invalid {
    List<String> out = stringsOf(m, key, at);
    for (String d : out) {
      if (!d.startsWith("/")) {
        throw invalid(m.get(key).getValueNode(), at + "." + key + ": '" + d + "' is not an"
            + " absolute path");
      }
    }
    return out;
  }

  private Set<Long> ids(Map<String, NodeTuple> m, String key, String at, long min)
      throws Invalid {
    Set<Long> out = new LinkedHashSet<>();
    for (String s : stringsOf(m, key, at)) {
      try {
        long v = Long.parseLong(s);
        if (v < min || v > 0xFFFF_FFFEL) {
          throw new NumberFormatException();
        }
        out.add(v);
      } catch (NumberFormatException e) {
        throw invalid(m.get(key).getValueNode(), at + "." + key + ": '" + s + "' is not a"
            + " number from " + min + " to " + 0xFFFF_FFFEL);
      }
    }
    return out;
  }

  private Constraints limits(Node node, String at, Constraints over) throws Invalid {
    if (isNull(node)) {
      return over;
    }
    Constraints.Builder b = over.toBuilder();
    for (var e : mapping(node, at, LIMITS.keySet()).entrySet()) {
      Constraint c = LIMITS.get(e.getKey());
      Node v = e.getValue().getValueNode();
      String value = scalar(v, at + "." + e.getKey());
      try {
        if (c.isText()) {
          b.setText(c, value);
        } else {
          b.set(c, Long.parseLong(value.trim()));
        }
      } catch (NumberFormatException ex) {
        throw invalid(v, at + "." + e.getKey() + ": '" + value + "' is not a whole number");
      } catch (IllegalArgumentException ex) {
        throw invalid(v, at + "." + e.getKey() + ": " + ex.getMessage());
      }
    }
    return b.build();
  }

  /** The entries of a mapping, each key checked against {@code known} (null: any). */
  private Map<String, NodeTuple> mapping(Node node, String at, @Nullable Set<String> known)
      throws Invalid {
    if (!(node instanceof MappingNode m)) {
      throw invalid(node, at + " must be a mapping (key: value lines)");
    }
    Map<String, NodeTuple> out = new LinkedHashMap<>();
    for (NodeTuple t : m.getValue()) {
      String key = scalar(t.getKeyNode(), at + "'s keys");
      if (known != null && !known.contains(key)) {
        throw invalid(t.getKeyNode(), (at.equals("the file") ? "" : at + ".") + key
            + ": unknown key (known here: " + String.join(", ", new java.util.TreeSet<>(known))
            + ")");
      }
      if (out.put(key, t) != null) {
        throw invalid(t.getKeyNode(), key + ": given twice");
      }
    }
    return out;
  }

  private List<String> strings(Node node, String at) throws Invalid {
    if (isNull(node)) {
      return List.of();
    }
    if (!(node instanceof SequenceNode s)) {
      throw invalid(node, at + " must be a list (e.g. [a, b])");
    }
    List<String> out = new ArrayList<>();
    for (Node n : s.getValue()) {
      String v = scalar(n, at);
      if (v.isEmpty()) {
        throw invalid(n, at + ": an empty entry");
      }
      out.add(v);
    }
    return out;
  }

  private String scalar(Node node, String at) throws Invalid {
    if (!(node instanceof ScalarNode s)) {
      throw invalid(node, at + " must be a single value");
    }
    return s.getValue();
  }

  private static boolean isNull(Node node) {
    return node instanceof ScalarNode s && (s.getTag().getValue().endsWith(":null")
        || (s.getValue().isEmpty() && s.getScalarStyle() == ScalarStyle.PLAIN));
  }

  /** A Go duration ({@code 10s}, {@code 1m30s}, {@code 500ms}); empty is none (null). */
  private @Nullable Duration duration(NodeTuple t, String at) throws Invalid {
    Node n = t.getValueNode();
    if (isNull(n)) {
      return null;
    }
    String v = scalar(n, at).trim();
    if (v.isEmpty()) {
      return null;
    }
    try {
      return goDuration(v);
    } catch (IllegalArgumentException e) {
      throw invalid(n, at + ": " + e.getMessage());
    }
  }

  /**
   * Parses a Go duration, as the original's {@code time.ParseDuration}: a sequence of numbers,
   * each with a unit ({@code ns us µs ms s m h}); {@code 0} alone is zero.
   *
   * @param text e.g. {@code 10s}
   * @return the duration
   * @throws IllegalArgumentException naming the text and the form
   */
  static Duration goDuration(String text) {
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = GO_DURATION.matcher(text);
    java.math.BigDecimal nanos = java.math.BigDecimal.ZERO;
    int at = 0;
    while (at < text.length() && m.find(at) && m.start() == at) {
      java.math.BigDecimal n = new java.math.BigDecimal(m.group(1).endsWith(".")
          ? m.group(1) + "0" : m.group(1));
      long unit = switch (m.group(2)) {
        case "ns" -> 1L;
        case "us", "µs" -> 1_000L;
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        default -> 3_600_000_000_000L;
      };
      nanos = nanos.add(n.multiply(java.math.BigDecimal.valueOf(unit)));
      at = m.end();
    }
    if (at != text.length() || at == 0) {
      throw new IllegalArgumentException("'" + text + "' is not a duration such as 10s, 1m30s"
          + " or 500ms");
    }
    if (nanos.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("'" + text + "' is too long");
    }
    return Duration.ofNanos(nanos.longValue());
  }

  private Invalid invalid(Node node, String message) {
    int line = node.getStartMark().map(mk -> mk.getLine() + 1).orElse(0);
    return new Invalid(file + (line > 0 ? ":" + line : "") + ": " + message);
  }
}
