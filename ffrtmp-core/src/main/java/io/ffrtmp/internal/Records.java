package io.ffrtmp.internal;

import io.ffrtmp.Constraint;
import io.ffrtmp.Constraints;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.Intent;
import io.ffrtmp.internal.os.PrivateDirs;
import io.ffrtmp.internal.os.ProcFs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records that let a later JVM recover a workload: a start record written by the JVM when
 * the workload starts ({@code <name>.start}), and an exit record written by the launch keeper
 * the moment the workload ends ({@code <name>.exit}), both in this user's state directory —
 * {@code /run/ffrtmp} as root, {@code $XDG_RUNTIME_DIR/ffrtmp} for a normal user, else {@code
 * <java.io.tmpdir>/ffrtmp-state-<uid>} — mode 0700 and owned by this user, checked like the
 * shim's directory. Every record is written to a temporary file and renamed into place, so a
 * reader never sees half a record; a record of another user, or one that cannot be parsed, is
 * skipped with a warning.
 */
final class Records {
  private static final Logger LOG = LoggerFactory.getLogger(Records.class);

  /** System property naming the state directory (tests, or an operator's choice). */
  static final String STATE_PROPERTY = "ffrtmp.state";

  private static final AtomicLong COUNTER = new AtomicLong();
  private static volatile @Nullable Optional<Path> dir;

  private Records() {}

  /**
   * The state directory, found (and created) once per JVM.
   *
   * @return it, or empty when no private place can be had (then nothing is recoverable, and
   *     the reason was logged)
   */
  static Optional<Path> dir() {
    Optional<Path> d = dir;
    if (d != null) {
      return d;
    }
    synchronized (Records.class) {
      if (dir == null) {
        dir = locate();
      }
      return dir;
    }
  }

  private static Optional<Path> locate() {
    List<Path> candidates = new ArrayList<>();
    String configured = System.getProperty(STATE_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      candidates.add(Path.of(configured));
    } else {
      for (Path p : PrivateDirs.candidates("ffrtmp", false)) {
        candidates.add(p.getFileName().toString().startsWith("ffrtmp-")
            ? p.resolveSibling("ffrtmp-state-" + ProcFs.uid()) : p);
      }
    }
    List<String> refused = new ArrayList<>();
    for (Path p : candidates) {
      try {
        PrivateDirs.ensure(p);
        if (!refused.isEmpty()) {
          LOG.warn("state directory: {}; using {}", String.join("; ", refused), p);
        }
        sweep(p); // once per JVM: what earlier JVMs left that no one will read
        return Optional.of(p);
      } catch (IOException e) {
        refused.add(e.getMessage());
      }
    }
    LOG.warn("no state directory: {}; workloads of this JVM cannot be recovered after a restart",
        String.join("; ", refused));
    return Optional.empty();
  }

  /** A new record name, unique on this host: the safe job id, this JVM's pid, a counter. */
  static String newName(String jobId) {
    return io.ffrtmp.spi.CgroupNames.forJob(jobId) + "." + ProcessHandle.current().pid() + "."
        + COUNTER.incrementAndGet();
  }

  static Path startFile(Path dir, String name) {
    return dir.resolve(name + ".start");
  }

  static Path exitFile(Path dir, String name) {
    return dir.resolve(name + ".exit");
  }

  /**
   * What a later JVM needs of a workload.
   *
   * @param name the record's name
   * @param jobId the job id as given
   * @param pid the workload's pid
   * @param startTime its start time (stat field 22): the guard against pid reuse
   * @param keeperPid the keeper's pid
   * @param keeperStartTime the keeper's start time
   * @param governorPid the JVM governing it
   * @param governorStartTime that JVM's start time
   * @param strategy the backend
   * @param cgroupPath the cgroup, or null
   * @param governance the backend's state, to restore its governance
   * @param command the command
   * @param constraints the requested constraints
   * @param enforcement what became of them at the start
   * @param warnings the start's warnings
   * @param startedAt when it started
   * @param timeout the timeout, or null
   * @param grace the grace period of the timeout
   * @param intent the intent
   * @param slaEligible whether SLA-worthy
   */
  record Start(String name, String jobId, long pid, long startTime, long keeperPid,
      long keeperStartTime, long governorPid, long governorStartTime, String strategy,
      @Nullable String cgroupPath, Map<String, String> governance, List<String> command,
      Constraints constraints, List<Enforcement> enforcement, List<String> warnings,
      Instant startedAt, @Nullable Duration timeout, Duration grace, Intent intent,
      boolean slaEligible) {}

  /**
   * Writes a start record atomically.
   *
   * @param dir the state directory
   * @param s the record
   * @throws IOException when it cannot be written
   */
  static void write(Path dir, Start s) throws IOException {
    StringBuilder p = new StringBuilder(1024);
    put(p, "version", "1");
    put(p, "job_id", s.jobId());
    put(p, "pid", Long.toString(s.pid()));
    put(p, "start_time", Long.toString(s.startTime()));
    put(p, "keeper_pid", Long.toString(s.keeperPid()));
    put(p, "keeper_start_time", Long.toString(s.keeperStartTime()));
    put(p, "governor_pid", Long.toString(s.governorPid()));
    put(p, "governor_start_time", Long.toString(s.governorStartTime()));
    put(p, "strategy", s.strategy());
    if (s.cgroupPath() != null) {
      put(p, "cgroup_path", s.cgroupPath());
    }
    s.governance().forEach((k, v) -> put(p, "governance." + k, v));
    for (int i = 0; i < s.command().size(); i++) {
      put(p, "command." + i, s.command().get(i));
    }
    for (Constraint c : Constraint.values()) {
      put(p, "constraint." + c.key(), Long.toString(s.constraints().get(c)));
    }
    for (int i = 0; i < s.enforcement().size(); i++) {
      Enforcement e = s.enforcement().get(i);
      put(p, "enforcement." + i + ".constraint", e.constraint());
      put(p, "enforcement." + i + ".status", e.status().name());
      put(p, "enforcement." + i + ".mechanism", e.mechanism());
      put(p, "enforcement." + i + ".detail", e.detail());
    }
    for (int i = 0; i < s.warnings().size(); i++) {
      put(p, "warning." + i, s.warnings().get(i));
    }
    put(p, "started_at", s.startedAt().toString());
    if (s.timeout() != null) {
      put(p, "timeout", s.timeout().toString());
    }
    put(p, "grace", s.grace().toString());
    put(p, "intent", s.intent().name());
    put(p, "sla_eligible", Boolean.toString(s.slaEligible()));
    atomically(startFile(dir, s.name()), p.toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  /**
   * One {@code key=value} line as {@link Properties#store(OutputStream, String)} writes it, so
   * that {@link Properties#load(InputStream)} reads it back: {@code \}, {@code =}, {@code :},
   * {@code #}, {@code !}, control characters and a value's leading space escaped, everything
   * outside printable ASCII as a backslash, {@code u} and four hex digits. (Written here rather
   * than by {@code Properties.store}, which also formats a date comment: see PERFORMANCE.md.)
   */
  static void put(StringBuilder out, String key, String value) {
    escape(out, key, true);
    out.append('=');
    escape(out, value, false);
    out.append('\n');
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private static void escape(StringBuilder out, String s, boolean isKey) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case ' ':
          if (i == 0 || isKey) {
            out.append('\\');
          }
          out.append(' ');
          break;
        case '\t':
          out.append("\\t");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\f':
          out.append("\\f");
          break;
        case '\\':
        case '=':
        case ':':
        case '#':
        case '!':
          out.append('\\').append(c);
          break;
        default:
          if (c < 0x20 || c > 0x7e) {
            out.append("\\u").append(HEX[(c >> 12) & 0xF]).append(HEX[(c >> 8) & 0xF])
                .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
          } else {
            out.append(c);
          }
      }
    }
  }

  private static final java.nio.file.attribute.FileAttribute<?> OWNER_ONLY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  /**
   * Writes {@code target} through a temporary file created with mode 0600 (never through a
   * file or link that was there before) and renamed over it.
   */
  private static void atomically(Path target, byte[] content) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    java.util.Set<StandardOpenOption> create =
        java.util.EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    java.nio.channels.SeekableByteChannel ch;
    try {
      ch = Files.newByteChannel(tmp, create, OWNER_ONLY);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      // a writer of the same name that died half-way (its pid was reused): start afresh
      Files.deleteIfExists(tmp);
      ch = Files.newByteChannel(tmp, create, OWNER_ONLY);
    }
    try (java.nio.channels.SeekableByteChannel out = ch) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(content);
      while (b.hasRemaining()) {
        out.write(b);
      }
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Reads one start record.
   *
   * @param file the record
   * @return it
   * @throws IOException when it cannot be read, is not this user's, or cannot be parsed
   */
  static Start read(Path file) throws IOException {
    Object owner = Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (!(owner instanceof Integer uid) || uid != ProcFs.uid()) {
      throw new IOException(file + " belongs to uid " + owner + ", not to this user");
    }
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(file + " is not a regular file");
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      p.load(in);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + " is corrupt: " + e.getMessage(), e);
    }
    try {
      if (!"1".equals(p.getProperty("version"))) {
        throw new IllegalArgumentException("unknown version " + p.getProperty("version"));
      }
      String name = file.getFileName().toString();
      name = name.substring(0, name.length() - ".start".length());
      Map<String, String> governance = new LinkedHashMap<>();
      for (String k : p.stringPropertyNames()) {
        if (k.startsWith("governance.")) {
          governance.put(k.substring("governance.".length()), p.getProperty(k));
        }
      }
      List<String> command = new ArrayList<>();
      for (int i = 0; p.getProperty("command." + i) != null; i++) {
        command.add(p.getProperty("command." + i));
      }
      Constraints.Builder c = Constraints.builder();
      for (Constraint k : Constraint.values()) {
        c.set(k, Long.parseLong(required(p, "constraint." + k.key())));
      }
      List<Enforcement> enforcement = new ArrayList<>();
      for (int i = 0; p.getProperty("enforcement." + i + ".constraint") != null; i++) {
        enforcement.add(new Enforcement(p.getProperty("enforcement." + i + ".constraint"),
            EnforcementStatus.valueOf(required(p, "enforcement." + i + ".status")),
            required(p, "enforcement." + i + ".mechanism"),
            required(p, "enforcement." + i + ".detail")));
      }
      List<String> warnings = new ArrayList<>();
      for (int i = 0; p.getProperty("warning." + i) != null; i++) {
        warnings.add(p.getProperty("warning." + i));
      }
      String timeout = p.getProperty("timeout");
      return new Start(name, required(p, "job_id"), num(p, "pid"), num(p, "start_time"),
          num(p, "keeper_pid"), num(p, "keeper_start_time"), num(p, "governor_pid"),
          num(p, "governor_start_time"), required(p, "strategy"), p.getProperty("cgroup_path"),
          governance, command, c.build(), enforcement, warnings,
          Instant.parse(required(p, "started_at")),
          timeout == null ? null : Duration.parse(timeout), Duration.parse(required(p, "grace")),
          Intent.valueOf(required(p, "intent")),
          Boolean.parseBoolean(required(p, "sla_eligible")));
    } catch (RuntimeException e) {
      throw new IOException(file + " is corrupt: " + e.getMessage(), e);
    }
  }

  private static String required(Properties p, String key) {
    String v = p.getProperty(key);
    if (v == null) {
      throw new IllegalArgumentException("no " + key);
    }
    return v;
  }

  private static long num(Properties p, String key) {
    return Long.parseLong(required(p, key));
  }

  /**
   * Every readable start record of this user; each one skipped is named in {@code warnings}.
   *
   * @param dir the state directory
   * @param warnings receives a line per skipped record
   * @return the records
   */
  static List<Start> readAll(Path dir, List<String> warnings) {
    List<Start> out = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.start")) {
      for (Path f : files) {
        try {
          out.add(read(f));
        } catch (NoSuchFileException e) {
          // taken by another JVM meanwhile
        } catch (IOException e) {
          warnings.add("skipping record " + f.getFileName() + ": " + e.getMessage());
        }
      }
    } catch (IOException e) {
      warnings.add("cannot read the state directory " + dir + ": " + e.getMessage());
    }
    return out;
  }

  /**
   * What the keeper recorded when the workload ended.
   *
   * @param pid the workload's pid
   * @param exitCode its exit code, or null when a signal ended it
   * @param signal the signal that ended it, or null
   * @param endedAt when it ended
   * @param counters counter file to its content at the end
   */
  record Exit(long pid, @Nullable Integer exitCode, @Nullable Integer signal, Instant endedAt,
      Map<String, String> counters) {
    /** The exit status as the JDK reports it: the code, or 128 + the signal. */
    int exitValue() {
      return exitCode != null ? exitCode : 128 + (signal == null ? 0 : signal);
    }
  }

  /**
   * Reads an exit record, if the keeper wrote one.
   *
   * @param file the record
   * @return it, or empty when there is none (or it cannot be parsed)
   */
  static Optional<Exit> readExit(Path file) {
    byte[] b;
    try {
      b = Files.readAllBytes(file);
    } catch (IOException e) {
      return Optional.empty();
    }
    try {
      long pid = 0;
      Integer code = null;
      Integer signal = null;
      Instant ended = null;
      Map<String, String> counters = new LinkedHashMap<>();
      int i = 0;
      while (i < b.length) {
        int nl = indexOf(b, (byte) '\n', i);
        String line = new String(b, i, nl - i, StandardCharsets.UTF_8);
        i = nl + 1;
        String[] f = line.split(" ", 3);
        switch (f[0]) {
          case "ffrtmp-exit":
            break;
          case "pid":
            pid = Long.parseLong(f[1]);
            break;
          case "exited":
            code = Integer.parseInt(f[1]);
            break;
          case "signaled":
            signal = Integer.parseInt(f[1]);
            break;
          case "ended":
            ended = Instant.ofEpochSecond(Long.parseLong(f[1]), Long.parseLong(f[2]));
            break;
          case "file":
            int len = Integer.parseInt(f[1]);
            String content = new String(b, i, len, StandardCharsets.UTF_8);
            counters.put(f[2], content.endsWith("\n") ? content.substring(0, content.length() - 1)
                : content);
            i += len + 1;
            break;
          case "end":
            if (ended == null || (code == null) == (signal == null)) {
              throw new IllegalArgumentException("incomplete");
            }
            return Optional.of(new Exit(pid, code, signal, ended, counters));
          default:
            throw new IllegalArgumentException("unknown line " + line);
        }
      }
      throw new IllegalArgumentException("no end line");
    } catch (RuntimeException e) {
      LOG.warn("exit record {} cannot be read: {}", file, e.toString());
      return Optional.empty();
    }
  }

  private static int indexOf(byte[] b, byte c, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return b.length;
  }

  /**
   * Removes what no reader will ever want: half-written records (a start record's temporary
   * file whose JVM, its pid in the name, is gone, and any temporary file untouched for a
   * minute: a living writer renames within milliseconds), and exit records without a start
   * record whose JVM is gone or that are a minute old. Those are written by the keeper of a
   * workload that its JVM detached (which deleted the start record) when the workload ends
   * later; a governing JVM reads its workload's exit record within milliseconds of the exit.
   *
   * @param dir the state directory
   */
  static void sweep(Path dir) {
    Instant aMinuteAgo = Instant.now().minusSeconds(60);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.{tmp,exit}")) {
      for (Path f : files) {
        String n = f.getFileName().toString();
        boolean deadWriter;
        if (n.endsWith(".start.tmp")) {
          deadWriter = writerGone(n.substring(0, n.length() - ".start.tmp".length()));
        } else if (n.endsWith(".exit")) {
          String name = n.substring(0, n.length() - ".exit".length());
          try {
            if (hasStart(dir, name)) {
              continue; // a workload's record: recovery or its JVM reads and deletes both
            }
          } catch (IOException e) {
            continue; // cannot tell: keep it
          }
          deadWriter = writerGone(name);
        } else {
          deadWriter = false;
        }
        try {
          boolean old = Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS).toInstant()
              .isBefore(aMinuteAgo);
          if (deadWriter || old) {
            Files.deleteIfExists(f);
          }
        } catch (IOException e) {
          // gone meanwhile
        }
      }
    } catch (IOException e) {
      LOG.debug("cannot sweep {}: {}", dir, e.toString());
    }
  }

  /**
   * Whether a start record exists, or is being claimed by a recovering JVM (which renames it to
   * {@code .claim-<pid>}, writes a new one, then deletes the claim): checked start, claim, start
   * again, so that a claim in progress is never missed between two looks.
   */
  private static boolean hasStart(Path dir, String name) throws IOException {
    if (Files.exists(startFile(dir, name), LinkOption.NOFOLLOW_LINKS)) {
      return true;
    }
    String claim = name + ".claim-";
    try (DirectoryStream<Path> claims = Files.newDirectoryStream(dir,
        f -> f.getFileName().toString().startsWith(claim))) {
      if (claims.iterator().hasNext()) {
        return true;
      }
    }
    return Files.exists(startFile(dir, name), LinkOption.NOFOLLOW_LINKS);
  }

  /** Whether the JVM that named a record ({@code <job>.<pid>.<counter>}) is gone. */
  private static boolean writerGone(String name) {
    String[] parts = name.split("\\.");
    if (parts.length < 3) {
      return false;
    }
    try {
      long writer = Long.parseLong(parts[parts.length - 2]);
      return ProcessHandle.of(writer).map(h -> !h.isAlive()).orElse(true);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * Deletes a workload's records; errors are logged.
   *
   * @param dir the state directory
   * @param name the record's name
   */
  static void delete(Path dir, String name) {
    for (Path f : List.of(startFile(dir, name), exitFile(dir, name))) {
      try {
        Files.deleteIfExists(f);
      } catch (IOException e) {
        LOG.warn("could not delete record {}: {}", f, e.toString());
      }
    }
  }
}
