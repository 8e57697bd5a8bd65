package io.ffrtmp;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Which processes a {@linkplain Workload#watch(List) watcher} adopts, and how it governs them.
 * A rule <em>names</em> processes by command name, executable path or command-line pattern (at
 * least one of them; a process must satisfy every one given); its filters then decide: user and
 * uid, parent (pid or command name), cgroup, working directory, age. A process that a rule names
 * and a filter refuses is <em>skipped</em> with the filter's reason; one that no rule names is
 * ignored. Rules are tried in order and the first that takes a process governs it.
 *
 * <pre>{@code
 * WatchRule ffmpeg = WatchRule.forCommands("ffmpeg")
 *     .blockedUsers("backup")
 *     .blockedDirs("/tmp")
 *     .constraints(Constraints.builder().cpuQuota(300).memoryLimitMb(8192).build())
 *     .jobId("auto-{comm}-{pid}")
 *     .build();
 * }</pre>
 *
 * <p>Every list filter is "allowed" (empty: every value allowed) or "blocked" (empty: none
 * blocked); a process must pass all of them.
 */
public final class WatchRule {
  /** The job id pattern used when none is given. */
  public static final String DEFAULT_JOB_ID = "auto-{comm}-{pid}";

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+)}");
  private static final Set<String> PLACEHOLDERS =
      Set.of("comm", "pid", "rule", "uid", "user", "ppid");

  private final String name;
  private final List<String> commands;
  private final List<String> executables;
  private final @Nullable Pattern argv;
  private final Set<String> users;
  private final Set<String> blockedUsers;
  private final Set<Long> uids;
  private final Set<Long> blockedUids;
  private final Set<Long> parents;
  private final Set<Long> blockedParents;
  private final Set<String> parentCommands;
  private final List<String> cgroups;
  private final List<String> dirs;
  private final List<String> blockedDirs;
  private final Duration minAge;
  private final @Nullable Duration maxAge;
  private final Constraints constraints;
  private final String jobId;
  private final Intent intent;
  private final boolean slaEligible;

  private WatchRule(Builder b) {
    this.commands = List.copyOf(b.commands);
    this.executables = List.copyOf(b.executables);
    this.argv = b.argv;
    this.name = b.name != null ? b.name
        : !commands.isEmpty() ? String.join(",", commands)
        : !executables.isEmpty() ? String.join(",", executables)
        : "argv~" + requireNonNull(argv).pattern();
    this.users = Collections.unmodifiableSet(new LinkedHashSet<>(b.users));
    this.blockedUsers = Collections.unmodifiableSet(new LinkedHashSet<>(b.blockedUsers));
    this.uids = Collections.unmodifiableSet(new LinkedHashSet<>(b.uids));
    this.blockedUids = Collections.unmodifiableSet(new LinkedHashSet<>(b.blockedUids));
    this.parents = Collections.unmodifiableSet(new LinkedHashSet<>(b.parents));
    this.blockedParents = Collections.unmodifiableSet(new LinkedHashSet<>(b.blockedParents));
    this.parentCommands = Collections.unmodifiableSet(new LinkedHashSet<>(b.parentCommands));
    this.cgroups = List.copyOf(b.cgroups);
    this.dirs = List.copyOf(b.dirs);
    this.blockedDirs = List.copyOf(b.blockedDirs);
    this.minAge = b.minAge;
    this.maxAge = b.maxAge;
    this.constraints = b.constraints;
    this.jobId = b.jobId;
    this.intent = b.intent;
    this.slaEligible = b.slaEligible;
  }

  /**
   * A rule naming processes by command name: the file name of the program the kernel runs (its
   * {@code comm}, which the kernel cuts to 15 characters) or of the command line's first word,
   * as {@code pgrep -x} and the original wrapper's {@code target_commands} do.
   *
   * @param names the command names, e.g. {@code ffmpeg}
   * @return a builder
   * @throws IllegalArgumentException for no name, an empty one or one with a {@code /}
   */
  public static Builder forCommands(String... names) {
    return new Builder().commands(List.of(names));
  }

  /**
   * A rule that names processes by something other than the command name ({@link
   * Builder#executables}, {@link Builder#argvMatching}); one of them must be given.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The rule's name in messages: as given, else its command names.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The command names it takes (empty: any).
   *
   * @return the names
   */
  public List<String> commands() {
    return commands;
  }

  /**
   * The absolute executable paths it takes (empty: any).
   *
   * @return the paths
   */
  public List<String> executables() {
    return executables;
  }

  /**
   * The pattern the command line (its words joined by single spaces) must contain, if any.
   *
   * @return the pattern, or null
   */
  public @Nullable Pattern argv() {
    return argv;
  }

  /**
   * The user names allowed (empty: all).
   *
   * @return the names
   */
  public Set<String> users() {
    return users;
  }

  /**
   * The user names refused.
   *
   * @return the names
   */
  public Set<String> blockedUsers() {
    return blockedUsers;
  }

  /**
   * The uids allowed (empty: all).
   *
   * @return the uids
   */
  public Set<Long> uids() {
    return uids;
  }

  /**
   * The uids refused.
   *
   * @return the uids
   */
  public Set<Long> blockedUids() {
    return blockedUids;
  }

  /**
   * The parent pids allowed (empty: all).
   *
   * @return the pids
   */
  public Set<Long> parents() {
    return parents;
  }

  /**
   * The parent pids refused.
   *
   * @return the pids
   */
  public Set<Long> blockedParents() {
    return blockedParents;
  }

  /**
   * The command names a parent must have (empty: any parent).
   *
   * @return the names
   */
  public Set<String> parentCommands() {
    return parentCommands;
  }

  /**
   * The cgroups a process must be in, or below (empty: any).
   *
   * @return cgroup paths as {@code /proc/<pid>/cgroup} shows them
   */
  public List<String> cgroups() {
    return cgroups;
  }

  /**
   * The working directories allowed, each with everything below it (empty: all).
   *
   * @return absolute paths
   */
  public List<String> dirs() {
    return dirs;
  }

  /**
   * The working directories refused, each with everything below it.
   *
   * @return absolute paths
   */
  public List<String> blockedDirs() {
    return blockedDirs;
  }

  /**
   * How old a process must be before it is adopted (zero: at once).
   *
   * @return the age
   */
  public Duration minAge() {
    return minAge;
  }

  /**
   * How old a process may be at most to be adopted, if limited.
   *
   * @return the age, or null
   */
  public @Nullable Duration maxAge() {
    return maxAge;
  }

  /**
   * The constraints an adopted process gets.
   *
   * @return them
   */
  public Constraints constraints() {
    return constraints;
  }

  /**
   * The job id pattern: {@code {comm}}, {@code {pid}}, {@code {ppid}}, {@code {uid}}, {@code
   * {user}} and {@code {rule}} are replaced by the process's values.
   *
   * @return the pattern
   */
  public String jobId() {
    return jobId;
  }

  /**
   * The intent of an adopted process's report.
   *
   * @return the intent
   */
  public Intent intent() {
    return intent;
  }

  /**
   * Whether an adopted process counts for SLA.
   *
   * @return the flag
   */
  public boolean slaEligible() {
    return slaEligible;
  }

  @Override
  public String toString() {
    return "WatchRule[" + name + "]";
  }

  /** Builds a {@link WatchRule}. Every list method adds to what was given before. */
  public static final class Builder {
    private @Nullable String name;
    private final List<String> commands = new ArrayList<>();
    private final List<String> executables = new ArrayList<>();
    private @Nullable Pattern argv;
    private final List<String> users = new ArrayList<>();
    private final List<String> blockedUsers = new ArrayList<>();
    private final List<Long> uids = new ArrayList<>();
    private final List<Long> blockedUids = new ArrayList<>();
    private final List<Long> parents = new ArrayList<>();
    private final List<Long> blockedParents = new ArrayList<>();
    private final List<String> parentCommands = new ArrayList<>();
    private final List<String> cgroups = new ArrayList<>();
    private final List<String> dirs = new ArrayList<>();
    private final List<String> blockedDirs = new ArrayList<>();
    private Duration minAge = Duration.ZERO;
    private @Nullable Duration maxAge;
    private Constraints constraints = Constraints.DEFAULTS;
    private String jobId = DEFAULT_JOB_ID;
    private Intent intent = Intent.PRODUCTION;
    private boolean slaEligible;

    private Builder() {}

    /**
     * The rule's name in messages and in the job id's {@code {rule}}.
     *
     * @param value a name
     * @return this builder
     */
    public Builder name(String value) {
      requireNonNull(value, "name");
      if (value.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      this.name = value;
      return this;
    }

    /**
     * Adds command names (see {@link WatchRule#forCommands}).
     *
     * @param names the names
     * @return this builder
     */
    public Builder commands(List<String> names) {
      for (String n : names) {
        requireNonNull(n, "command name");
        if (n.isEmpty() || n.contains("/") || n.contains("\0")) {
          throw new IllegalArgumentException("command name must be a file name (no '/'), got '"
              + n + "'; give a path with executables(...)");
        }
        commands.add(n);
      }
      return this;
    }

    /**
     * Adds executable paths: the absolute path of the program the process runs ({@code
     * /proc/<pid>/exe}).
     *
     * @param paths absolute paths
     * @return this builder
     */
    public Builder executables(String... paths) {
      for (String p : paths) {
        executables.add(absolute("executable", p));
      }
      return this;
    }

    /**
     * A pattern the command line must contain: its words joined by single spaces, searched with
     * {@link java.util.regex.Matcher#find()} (anchor it with {@code ^} and {@code $} to match the
     * whole line).
     *
     * @param pattern a regular expression
     * @return this builder
     * @throws java.util.regex.PatternSyntaxException for a pattern that does not compile
     */
    public Builder argvMatching(String pattern) {
      this.argv = Pattern.compile(requireNonNull(pattern, "argv pattern"));
      return this;
    }

    /**
     * Allows only these user names.
     *
     * @param names user names
     * @return this builder
     */
    public Builder users(String... names) {
      users.addAll(nonEmpty("user", names));
      return this;
    }

    /**
     * Refuses these user names.
     *
     * @param names user names
     * @return this builder
     */
    public Builder blockedUsers(String... names) {
      blockedUsers.addAll(nonEmpty("blocked user", names));
      return this;
    }

    /**
     * Allows only these uids.
     *
     * @param values uids, 0 or more
     * @return this builder
     */
    public Builder uids(long... values) {
      uids.addAll(ids("uid", 0, values));
      return this;
    }

    /**
     * Refuses these uids.
     *
     * @param values uids, 0 or more
     * @return this builder
     */
    public Builder blockedUids(long... values) {
      blockedUids.addAll(ids("blocked uid", 0, values));
      return this;
    }

    /**
     * Allows only children of these pids.
     *
     * @param pids parent pids, 1 or more
     * @return this builder
     */
    public Builder parents(long... pids) {
      parents.addAll(ids("parent", 1, pids));
      return this;
    }

    /**
     * Refuses children of these pids.
     *
     * @param pids parent pids, 1 or more
     * @return this builder
     */
    public Builder blockedParents(long... pids) {
      blockedParents.addAll(ids("blocked parent", 1, pids));
      return this;
    }

    /**
     * Allows only children of processes with these command names.
     *
     * @param names command names
     * @return this builder
     */
    public Builder parentCommands(String... names) {
      parentCommands.addAll(nonEmpty("parent command", names));
      return this;
    }

    /**
     * Allows only processes in these cgroups or below them, as {@code /proc/<pid>/cgroup} names
     * them (e.g. {@code /system.slice/nginx.service}).
     *
     * @param paths absolute cgroup paths
     * @return this builder
     */
    public Builder cgroups(String... paths) {
      for (String p : paths) {
        cgroups.add(absolute("cgroup", p));
      }
      return this;
    }

    /**
     * Allows only processes whose working directory is one of these or below one.
     *
     * @param paths absolute paths
     * @return this builder
     */
    public Builder dirs(String... paths) {
      for (String p : paths) {
        dirs.add(absolute("dir", p));
      }
      return this;
    }

    /**
     * Refuses processes whose working directory is one of these or below one.
     *
     * @param paths absolute paths
     * @return this builder
     */
    public Builder blockedDirs(String... paths) {
      for (String p : paths) {
        blockedDirs.add(absolute("blocked dir", p));
      }
      return this;
    }

    /**
     * Adopts a process only once it is this old (it is looked at again then).
     *
     * @param age zero or more
     * @return this builder
     */
    public Builder minAge(Duration age) {
      requireNonNull(age, "minAge");
      if (age.isNegative()) {
        throw new IllegalArgumentException("minAge must be zero or more, got " + age);
      }
      this.minAge = age;
      return this;
    }

    /**
     * Skips processes older than this.
     *
     * @param age more than zero
     * @return this builder
     */
    public Builder maxAge(Duration age) {
      requireNonNull(age, "maxAge");
      if (age.isNegative() || age.isZero()) {
        throw new IllegalArgumentException("maxAge must be more than zero, got " + age);
      }
      this.maxAge = age;
      return this;
    }

    /**
     * The constraints an adopted process gets.
     *
     * @param value the constraints
     * @return this builder
     */
    public Builder constraints(Constraints value) {
      this.constraints = requireNonNull(value, "constraints");
      return this;
    }

    /**
     * The job id pattern (default {@value WatchRule#DEFAULT_JOB_ID}).
     *
     * @param pattern text with {@code {comm}}, {@code {pid}}, {@code {ppid}}, {@code {uid}},
     *     {@code {user}}, {@code {rule}}
     * @return this builder
     * @throws IllegalArgumentException for an empty pattern or an unknown placeholder
     */
    public Builder jobId(String pattern) {
      requireNonNull(pattern, "jobId");
      if (pattern.isEmpty()) {
        throw new IllegalArgumentException("jobId pattern must not be empty");
      }
      var m = PLACEHOLDER.matcher(pattern);
      while (m.find()) {
        if (!PLACEHOLDERS.contains(m.group(1))) {
          throw new IllegalArgumentException("jobId pattern '" + pattern + "': unknown"
              + " placeholder {" + m.group(1) + "} (known: {comm} {pid} {ppid} {uid} {user}"
              + " {rule})");
        }
      }
      this.jobId = pattern;
      return this;
    }

    /**
     * The intent of the adopted processes' reports (default production).
     *
     * @param value the intent
     * @return this builder
     */
    public Builder intent(Intent value) {
      this.intent = requireNonNull(value, "intent");
      return this;
    }

    /**
     * Whether adopted processes count for SLA (default false).
     *
     * @param value the flag
     * @return this builder
     */
    public Builder slaEligible(boolean value) {
      this.slaEligible = value;
      return this;
    }

    /**
     * The rule.
     *
     * @return it
     * @throws IllegalStateException when it names no process (no command, executable or argv
     *     pattern), or its ages contradict each other
     */
    public WatchRule build() {
      if (commands.isEmpty() && executables.isEmpty() && argv == null) {
        throw new IllegalStateException("a watch rule must name its processes: give command"
            + " names, executables or an argv pattern");
      }
      Duration max = maxAge;
      if (max != null && max.compareTo(minAge) <= 0) {
        throw new IllegalStateException("maxAge (" + max + ") must be more than minAge ("
            + minAge + ")");
      }
      return new WatchRule(this);
    }

    private static List<String> nonEmpty(String what, String... values) {
      for (String v : values) {
        requireNonNull(v, what);
        if (v.isEmpty()) {
          throw new IllegalArgumentException(what + " must not be empty");
        }
      }
      return List.of(values);
    }

    private static List<Long> ids(String what, long min, long... values) {
      List<Long> out = new ArrayList<>(values.length);
      for (long v : values) {
        if (v < min || v > 0xFFFF_FFFEL) {
          throw new IllegalArgumentException(what + " must be between " + min + " and "
              + 0xFFFF_FFFEL + ", got " + v);
        }
        out.add(v);
      }
      return out;
    }

    private static String absolute(String what, String path) {
      requireNonNull(path, what);
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException(what + " must be an absolute path, got '" + path
            + "'");
      }
      // a trailing slash would make "/tmp/" miss "/tmp"
      String p = path.length() > 1 && path.endsWith("/")
          ? path.substring(0, path.length() - 1) : path;
      return p;
    }
  }
}
