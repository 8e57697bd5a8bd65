package io.ffrtmp.internal.keeper;

import io.ffrtmp.internal.os.PrivateDirs;
import io.ffrtmp.internal.os.ProcFs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state directory of this user's workloads: where their {@link StartRecord}s and the
 * keepers' {@link ExitRecord}s live, so that a later JVM can recover them. It is {@code
 * /run/ffrtmp} as root, {@code $XDG_RUNTIME_DIR/ffrtmp} for a normal user, else {@code
 * <java.io.tmpdir>/ffrtmp-state-<uid>}, or what {@value #PROPERTY} names; an agent's workloads
 * may live apart in a subdirectory ({@link #forAgent(String)}).
 *
 * <p>Rules: a directory ffrtmp creates is made mode 0700; one that exists is used as it is —
 * never chmodded — if it is this user's, a directory (not a link) and writable by no one else,
 * and refused otherwise, with the reason. Every record is written to a temporary file (mode
 * 0600, never through a file or link that was there) and renamed into place, so a reader never
 * sees half a record. Only records are read: this user's regular files, at most {@link
 * #MAX_RECORD} bytes; anything else is refused with a warning naming it. {@link #sweep()}
 * deletes only files whose names ffrtmp gives and that this user owns. Claims ({@link
 * #claim(List, List)}) are serialised by a lock on {@code .lock} and re-read the record under it.
 */
public final class StateDir {
  private static final Logger LOG = LoggerFactory.getLogger(StateDir.class);

  /** System property naming the state directory (an operator's choice, or a test's). */
  public static final String PROPERTY = "ffrtmp.state";

  /** The largest record read; a larger one is refused unread. */
  public static final int MAX_RECORD = 1 << 20;

  /** Every file name ffrtmp gives in a state directory, and no other. */
  private static final Pattern OURS = Pattern.compile(
      "ffrtmp-wrapper-[A-Za-z0-9._-]+\\.[0-9]+\\.[0-9]+\\.(start|exit|updates)(\\.tmp)?");

  /** The adopted process's pid and start time in an adoption's record name. */
  private static final Pattern ADOPTION =
      Pattern.compile("\\.a([0-9]+)-([0-9]+)\\.[0-9]+\\.[0-9]+$");

  /** An adoption's marker. */
  private static final Pattern MARKER = Pattern.compile("a([0-9]+)-([0-9]+)\\.adopted");

  private static final FileAttribute<?> OWNER_ONLY_FILE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
  private static final FileAttribute<?> OWNER_ONLY_DIR =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
  private static final AtomicLong COUNTER = new AtomicLong();
  /** FileLock is held per process: threads of this JVM take turns here first. */
  private static final ReentrantLock CLAIMS = new ReentrantLock();
  private static final long UID = ProcFs.uid();
  private static volatile @Nullable Located current;

  private record Located(Optional<StateDir> dir, List<String> warnings) {}

  private final Path path;
  /** Why a start's record may not survive what it should (said in every start's warnings). */
  private final List<String> caveats;

  /** The state directory this one is in (itself, unless an agent's): adoption markers go there. */
  private final Path root;

  private StateDir(Path path, List<String> caveats) {
    this(path, caveats, path);
  }

  private StateDir(Path path, List<String> caveats, Path root) {
    this.path = path;
    this.caveats = List.copyOf(caveats);
    this.root = root;
  }

  /**
   * This JVM's state directory, found (and created) once per JVM; earlier JVMs' leftovers are
   * swept then.
   *
   * @return it, or empty when no private place can be had (nothing is recoverable then, and
   *     the reason was logged)
   */
  public static Optional<StateDir> current() {
    Located l = current;
    if (l == null) {
      synchronized (StateDir.class) {
        l = current;
        if (l == null) {
          l = locate();
          current = l;
        }
      }
    }
    return l.dir();
  }

  /**
   * Why this JVM has no state directory, or why its records may not outlive what they should.
   *
   * @return the lines; empty when all is well
   */
  public static List<String> problems() {
    Optional<StateDir> d = current();
    Located l = current;
    List<String> out = new ArrayList<>(l == null ? List.of() : l.warnings());
    d.ifPresent(s -> out.addAll(s.caveats));
    return out;
  }

  private static Located locate() {
    List<Path> candidates = new ArrayList<>();
    String configured = System.getProperty(PROPERTY);
    if (configured != null && !configured.isBlank()) {
      candidates.add(Path.of(configured));
    } else {
      for (Path p : PrivateDirs.candidates("ffrtmp", false)) {
        candidates.add(p.getFileName().toString().startsWith("ffrtmp-")
            ? p.resolveSibling("ffrtmp-state-" + UID) : p);
      }
    }
    List<String> refused = new ArrayList<>();
    for (Path p : candidates) {
      try {
        accept(p);
        List<String> caveats = new ArrayList<>();
        if (!refused.isEmpty()) {
          caveats.add("state directory: " + String.join("; ", refused) + "; the records are in "
              + p + " instead: a restarted agent finds them only if it looks there and the"
              + " directory survives (set -D" + PROPERTY + " to a directory that does, e.g. a"
              + " systemd unit's StateDirectory)");
          LOG.warn("{}", caveats.get(0));
        }
        StateDir d = new StateDir(p, caveats);
        d.sweep(); // once per JVM: what earlier JVMs left that no one will read
        return new Located(Optional.of(d), List.of());
      } catch (IOException e) {
        refused.add(e.getMessage());
      }
    }
    String why = "no state directory: " + String.join("; ", refused) + "; workloads of this JVM"
        + " cannot be recovered after a restart";
    LOG.warn("{}", why);
    return new Located(Optional.empty(), List.of(why));
  }

  /**
   * Takes a directory as a state directory: creates it (mode 0700) when missing; otherwise
   * checks it without changing it.
   *
   * @param dir the directory
   * @throws IOException naming the directory and why it is refused
   */
  static void accept(Path dir) throws IOException {
    try {
      Files.createDirectory(dir, OWNER_ONLY_DIR);
    } catch (FileAlreadyExistsException e) {
      // an existing directory: checked, never changed
    } catch (IOException e) {
      throw new IOException(dir + ": " + reason(e), e);
    }
    Map<String, Object> a = Files.readAttributes(dir, "unix:uid,mode,isDirectory,isSymbolicLink",
        LinkOption.NOFOLLOW_LINKS);
    if (Boolean.TRUE.equals(a.get("isSymbolicLink")) || !Boolean.TRUE.equals(
        a.get("isDirectory"))) {
      throw new IOException(dir + " is not a directory (refusing to use it)");
    }
    if (!(a.get("uid") instanceof Integer uid) || uid != UID) {
      throw new IOException(dir + " belongs to uid " + a.get("uid") + ", not to this user"
          + " (refusing to use it)");
    }
    int mode = a.get("mode") instanceof Integer m ? m : 0;
    if ((mode & 0022) != 0) {
      throw new IOException(dir + " is writable by other users (mode "
          + Integer.toOctalString(mode & 07777) + "; refusing to use it as a state directory:"
          + " give ffrtmp a directory of its own)");
    }
    // writable? the lock file is the probe, and is needed anyway
    try (FileChannel ignored = openLock(dir)) {
      // fine
    } catch (IOException e) {
      throw new IOException(dir + ": " + reason(e), e);
    }
  }

  private static String reason(IOException e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NoSuchFileException) {
      return "its parent does not exist";
    }
    return m.contains("Read-only file system") ? "read-only file system" : m;
  }

  private static FileChannel openLock(Path dir) throws IOException {
    Set<OpenOption> o = Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS);
    return FileChannel.open(dir.resolve(".lock"), o, OWNER_ONLY_FILE);
  }

  /**
   * A state directory at a given place (tests; an agent's own directory), accepted by the
   * rules above.
   *
   * @param dir the directory
   * @return it
   * @throws IOException naming why it is refused
   */
  public static StateDir at(Path dir) throws IOException {
    accept(dir);
    return new StateDir(dir, List.of());
  }

  /**
   * The directory of one agent's workloads: a subdirectory, kept apart from every other
   * agent's and from the default's ({@code recover()} of one never takes another's).
   *
   * @param agent the agent's name: letters, digits, {@code .}, {@code _} and {@code -}, at most
   *     64, not starting with a dot
   * @return the directory, created if need be
   * @throws IOException when it cannot be had
   */
  public StateDir forAgent(String agent) throws IOException {
    Path p = path.resolve("agent-" + agent);
    StateDir known = AGENTS.get(p);
    if (known != null) {
      return known;
    }
    synchronized (AGENTS) {
      known = AGENTS.get(p);
      if (known == null) {
        // once per JVM: the probe closes a descriptor of the lock file, and closing any
        // descriptor of a file drops this process's fcntl lock on it (a claim in progress)
        accept(p);
        known = new StateDir(p, caveats, root);
        AGENTS.put(p, known);
      }
      return known;
    }
  }

  private static final java.util.Map<Path, StateDir> AGENTS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Checks an agent's name.
   *
   * @param agent the name
   * @return it
   * @throws IllegalArgumentException naming the value and the rule
   */
  public static String checkAgent(String agent) {
    if (agent.isEmpty() || agent.length() > 64 || agent.startsWith(".")
        || !agent.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
      throw new IllegalArgumentException("agent must be 1 to 64 of [A-Za-z0-9._-], not starting"
          + " with '.', got '" + agent + "'");
    }
    return agent;
  }

  /**
   * The directory.
   *
   * @return its path
   */
  public Path path() {
    return path;
  }

  /**
   * Why a record here may not outlive what it should; said in each start's warnings.
   *
   * @return the lines, usually none
   */
  public List<String> caveats() {
    return caveats;
  }

  /**
   * A new record name, unique on this host: the safe job id, this JVM's pid, a counter.
   *
   * @param jobId the job id
   * @return the name
   */
  public static String newName(String jobId) {
    return io.ffrtmp.spi.CgroupNames.forJob(jobId) + "." + ProcessHandle.current().pid() + "."
        + COUNTER.incrementAndGet();
  }

  /**
   * A new record name for a process adopted in attach mode: {@link #newName(String)} with the
   * process's pid and start time in it ({@code <safe job id>.a<pid>-<start time>.<JVM pid>.<n>}),
   * so that whether a process is adopted is found from the names alone ({@link
   * #adoptionsOf(long, long)}), without reading every record.
   *
   * @param jobId the job id
   * @param pid the adopted process
   * @param startTime its start time
   * @return the name
   */
  public static String newAttachName(String jobId, long pid, long startTime) {
    return io.ffrtmp.spi.CgroupNames.forJob(jobId) + "." + adoptionMark(pid, startTime)
        + ProcessHandle.current().pid() + "." + COUNTER.incrementAndGet();
  }

  private static String adoptionMark(long pid, long startTime) {
    return "a" + pid + "-" + startTime + ".";
  }

  /**
   * The marker of an adoption: an empty file {@code a<pid>-<start time>.adopted} beside the
   * records of the root directory, made with the adoption's record and deleted with it ({@link
   * #delete(String)} knows it from the record's name), so that a process no adoption names is
   * told by one {@code stat}.
   */
  private Path adoptedMarker(long pid, long startTime) {
    return root.resolve("a" + pid + "-" + startTime + ".adopted");
  }

  /**
   * Writes an adoption's start record ({@link #newAttachName}) and its marker.
   *
   * @param r the record
   * @throws IOException when it cannot be written
   */
  public void writeAdoption(StartRecord r) throws IOException {
    write(r);
    try {
      Files.newByteChannel(adoptedMarker(r.pids().pid(), r.pids().startTime()),
          Set.<OpenOption>of(StandardOpenOption.WRITE, StandardOpenOption.CREATE,
              LinkOption.NOFOLLOW_LINKS), OWNER_ONLY_FILE).close();
    } catch (IOException e) {
      delete(r.name());
      throw e;
    }
  }

  /**
   * The start records of this directory and its agents' whose names say they adopted this
   * process ({@link #newAttachName}), read; each is still to be checked against its pids.
   * Costs one {@code stat} for a process that no adoption names.
   *
   * @param pid the process
   * @param startTime its start time
   * @return the records
   */
  public List<StartRecord> adoptionsOf(long pid, long startTime) {
    if (!Files.exists(adoptedMarker(pid, startTime), LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    String mark = "." + adoptionMark(pid, startTime);
    List<StartRecord> out = new ArrayList<>();
    List<StateDir> dirs = new ArrayList<>(List.of(this));
    try (DirectoryStream<Path> agents = Files.newDirectoryStream(path, "agent-*")) {
      for (Path a : agents) {
        if (Files.isDirectory(a, LinkOption.NOFOLLOW_LINKS)) {
          dirs.add(forAgent(a.getFileName().toString().substring("agent-".length())));
        }
      }
    } catch (IOException e) {
      LOG.debug("cannot list the agents of {}: {}", path, e.toString());
    }
    for (StateDir d : dirs) {
      try (DirectoryStream<Path> files = Files.newDirectoryStream(d.path, "*.start")) {
        for (Path f : files) {
          String n = f.getFileName().toString();
          if (n.contains(mark)) {
            try {
              out.add(d.read(n.substring(0, n.length() - ".start".length())));
            } catch (IOException e) {
              // gone meanwhile, or refused: not an adoption to respect
            }
          }
        }
      } catch (IOException e) {
        LOG.debug("cannot list {}: {}", d.path, e.toString());
      }
    }
    return out;
  }

  /**
   * The start record's path.
   *
   * @param name the record's name
   * @return the path
   */
  public Path startFile(String name) {
    return path.resolve(name + ".start");
  }

  /**
   * The exit record's path: the keeper writes it there.
   *
   * @param name the record's name
   * @return the path
   */
  public Path exitFile(String name) {
    return path.resolve(name + ".exit");
  }

  /**
   * The updates' path: whoever changes the workload's constraints appends there.
   *
   * @param name the record's name
   * @return the path
   */
  public Path updatesFile(String name) {
    return path.resolve(name + ".updates");
  }

  /**
   * Appends an update of the workload's constraints, in one write ({@link UpdateRecord}).
   *
   * @param name the record's name
   * @param u the update
   * @throws IOException when it cannot be written
   */
  public void appendUpdate(String name, io.ffrtmp.WorkloadUpdate u) throws IOException {
    byte[] b = UpdateRecord.format(u);
    try (SeekableByteChannel ch = Files.newByteChannel(updatesFile(name),
        Set.<OpenOption>of(StandardOpenOption.WRITE, StandardOpenOption.APPEND,
            StandardOpenOption.CREATE, LinkOption.NOFOLLOW_LINKS), OWNER_ONLY_FILE)) {
      ByteBuffer buf = ByteBuffer.wrap(b);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
    }
  }

  /**
   * The updates of a workload, oldest first; none when there are none or the file is refused
   * (logged).
   *
   * @param name the record's name
   * @return the updates
   */
  public List<io.ffrtmp.WorkloadUpdate> readUpdates(String name) {
    Path f = updatesFile(name);
    try {
      return UpdateRecord.parse(readRecord(f));
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      LOG.warn("refusing updates {}: {}", f, e.getMessage());
      return List.of();
    }
  }

  /**
   * Writes a start record atomically (replacing one of the same name).
   *
   * @param r the record
   * @throws IOException when it cannot be written; no temporary file is left then
   */
  public void write(StartRecord r) throws IOException {
    atomically(startFile(r.name()), r.format());
  }

  /**
   * Completes a start record with the pids, appended in one write: a reader takes a key's last
   * value.
   *
   * @param name the record's name
   * @param pids the pids
   * @throws IOException when they cannot be written
   */
  public void appendPids(String name, StartRecord.Pids pids) throws IOException {
    byte[] b = StartRecord.pidLines(pids).getBytes(StandardCharsets.ISO_8859_1);
    try (SeekableByteChannel ch = Files.newByteChannel(startFile(name),
        Set.<OpenOption>of(StandardOpenOption.WRITE, StandardOpenOption.APPEND,
            LinkOption.NOFOLLOW_LINKS))) {
      ByteBuffer buf = ByteBuffer.wrap(b);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
    }
  }

  private static void atomically(Path target, byte[] content) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Set<OpenOption> create = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    SeekableByteChannel ch;
    try {
      ch = Files.newByteChannel(tmp, create, OWNER_ONLY_FILE);
    } catch (FileAlreadyExistsException e) {
      // a writer of the same name that died half-way (its pid was reused): start afresh
      Files.deleteIfExists(tmp);
      ch = Files.newByteChannel(tmp, create, OWNER_ONLY_FILE);
    }
    try {
      try (SeekableByteChannel out = ch) {
        ByteBuffer b = ByteBuffer.wrap(content);
        while (b.hasRemaining()) {
          out.write(b);
        }
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | RuntimeException e) {
      // a full disk, say: no empty or half record stays behind
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Reads a record's bytes if it is one: this user's regular file, not a link, at most {@link
   * #MAX_RECORD} bytes.
   */
  private static byte[] readRecord(Path file) throws IOException {
    Map<String, Object> a = Files.readAttributes(file, "unix:uid,size,isRegularFile",
        LinkOption.NOFOLLOW_LINKS);
    if (!Boolean.TRUE.equals(a.get("isRegularFile"))) {
      throw new IOException("not a regular file (a link, say)");
    }
    if (!(a.get("uid") instanceof Integer uid) || uid != UID) {
      throw new IOException("belongs to uid " + a.get("uid") + ", not to this user");
    }
    long size = a.get("size") instanceof Long s ? s : Long.MAX_VALUE;
    if (size > MAX_RECORD) {
      throw new IOException("oversized: " + size + " bytes, at most " + MAX_RECORD);
    }
    try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.READ,
        LinkOption.NOFOLLOW_LINKS)) {
      // room for what the size says and one byte more: a record that grew meanwhile is read
      // on, up to the limit and one byte past it
      ByteBuffer b = ByteBuffer.allocate((int) size + 1);
      while (ch.read(b) > 0 || (!b.hasRemaining() && b.capacity() <= MAX_RECORD)) {
        if (!b.hasRemaining()) {
          ByteBuffer more = ByteBuffer.allocate(Math.min(MAX_RECORD + 1, b.capacity() * 2));
          b = more.put(b.flip());
        }
      }
      if (b.position() > MAX_RECORD) {
        throw new IOException("oversized: more than " + MAX_RECORD + " bytes");
      }
      byte[] out = new byte[b.position()];
      b.flip().get(out);
      return out;
    }
  }

  /**
   * Reads one start record.
   *
   * @param name the record's name
   * @return it
   * @throws NoSuchFileException when it is gone
   * @throws IOException naming the file and why it is refused
   */
  public StartRecord read(String name) throws IOException {
    Path f = startFile(name);
    try {
      return StartRecord.parse(name, readRecord(f));
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException(f + " " + e.getMessage(), e);
    }
  }

  /**
   * Reads a start record by its path (beside a keeper's exit record).
   *
   * @param file the record
   * @return it
   * @throws IOException naming what is wrong
   */
  public static StartRecord readStart(Path file) throws IOException {
    String n = file.getFileName().toString();
    if (!n.endsWith(".start")) {
      throw new IOException(file + " is not a start record");
    }
    return StartRecord.parse(n.substring(0, n.length() - ".start".length()), readRecord(file));
  }

  /**
   * Every start record of this directory; each one refused is named in {@code warnings}.
   *
   * @param warnings receives a line per refused record
   * @return the records
   */
  public List<StartRecord> readAll(List<String> warnings) {
    List<StartRecord> out = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(path, "*.start")) {
      for (Path f : files) {
        String n = f.getFileName().toString();
        try {
          out.add(read(n.substring(0, n.length() - ".start".length())));
        } catch (NoSuchFileException e) {
          // reported and deleted meanwhile
        } catch (IOException e) {
          warnings.add("refusing record " + e.getMessage());
        }
      }
    } catch (IOException e) {
      warnings.add("cannot read the state directory " + path + ": " + e.getMessage());
    }
    return out;
  }

  /**
   * Every record of this user's default directory and of each agent's ({@code agent-*}): for
   * a question about the host (is this process governed?), not a recovery.
   *
   * @param warnings receives a line per refused record
   * @return the records
   */
  public List<StartRecord> readAllAgents(List<String> warnings) {
    List<StartRecord> out = readAll(warnings);
    try (DirectoryStream<Path> agents = Files.newDirectoryStream(path, "agent-*")) {
      for (Path a : agents) {
        if (Files.isDirectory(a, LinkOption.NOFOLLOW_LINKS)) {
          try {
            out.addAll(forAgent(a.getFileName().toString().substring("agent-".length()))
                .readAll(warnings));
          } catch (IOException e) {
            warnings.add("agent directory " + a + ": " + e.getMessage());
          }
        }
      }
    } catch (IOException e) {
      warnings.add("cannot read the state directory " + path + ": " + e.getMessage());
    }
    return out;
  }

  /**
   * Reads an exit record, if the keeper wrote one.
   *
   * @param name the record's name
   * @return it, or empty when there is none; a record that cannot be used is logged and empty
   */
  public Optional<ExitRecord> readExit(String name) {
    return readExit(exitFile(name));
  }

  /**
   * Reads an exit record at a path (the shim's private directory, when there is no state
   * directory).
   *
   * @param file the record
   * @return it, or empty when there is none; a record that cannot be used is logged and empty
   */
  public static Optional<ExitRecord> readExit(Path file) {
    byte[] b;
    try {
      b = readRecord(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      LOG.warn("refusing exit record {}: {}", file, e.getMessage());
      return Optional.empty();
    }
    try {
      return Optional.of(ExitRecord.parse(b));
    } catch (IOException e) {
      LOG.warn("exit record {} cannot be read: {}", file, e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * Claims orphaned records for this JVM, exactly once across JVMs: under the directory's lock
   * each record is read again, and taken only if its governor (pid and start time) is not
   * alive; then it is rewritten naming this JVM, so every other JVM sees it governed. A JVM
   * that dies holding records leaves them claimable again (its pid and start time no longer
   * name a living process).
   *
   * @param names the records' names
   * @param warnings receives a line per record refused
   * @return the records now governed by this JVM
   */
  public List<StartRecord> claim(List<String> names, List<String> warnings) {
    List<StartRecord> out = new ArrayList<>();
    long self = ProcessHandle.current().pid();
    long selfStart = ProcFs.selfStartTime();
    CLAIMS.lock();
    try (FileChannel ch = openLock(path); FileLock ignored = ch.lock()) {
      for (String name : names) {
        try {
          StartRecord r = read(name);
          if (Trust.alive(r.governorPid(), r.governorStartTime())) {
            continue; // governed: by this JVM, or another that runs (or won the claim)
          }
          StartRecord mine = r.governedBy(self, selfStart);
          write(mine);
          out.add(mine);
        } catch (NoSuchFileException e) {
          // reported meanwhile
        } catch (IOException e) {
          warnings.add("cannot claim record " + name + ": " + e.getMessage());
        }
      }
    } catch (IOException e) {
      warnings.add("cannot lock the state directory " + path + " to claim records: "
          + e.getMessage());
    } finally {
      CLAIMS.unlock();
    }
    return out;
  }

  /**
   * Deletes a workload's records; errors are logged.
   *
   * @param name the record's name
   */
  public void delete(String name) {
    java.util.regex.Matcher m = ADOPTION.matcher(name);
    List<Path> files = new ArrayList<>(List.of(startFile(name), exitFile(name),
        updatesFile(name)));
    if (m.find()) {
      files.add(root.resolve("a" + m.group(1) + "-" + m.group(2) + ".adopted"));
    }
    for (Path f : files) {
      try {
        Files.deleteIfExists(f);
      } catch (IOException e) {
        LOG.warn("could not delete record {}: {}", f, e.toString());
      }
    }
  }

  /**
   * Removes what no reader will ever want, and only files ffrtmp names and this user owns:
   * half-written records (a start record's temporary file whose JVM, its pid in the name, is
   * gone, and any temporary file untouched for a minute: a living writer renames within
   * milliseconds), and exit (and update) records without a start record whose JVM is gone or
   * that are a minute old: the keeper of a workload that its JVM detached writes its exit
   * record when the workload ends later, and an {@code ffrtmp update} racing the end may append
   * an update after the start record went.
   */
  public void sweep() {
    Instant aMinuteAgo = Instant.now().minusSeconds(60);
    // an adoption's marker outlives its record only if deleting failed: once its process is
    // gone it names nothing
    try (DirectoryStream<Path> markers = Files.newDirectoryStream(path, "*.adopted")) {
      for (Path f : markers) {
        java.util.regex.Matcher m = MARKER.matcher(f.getFileName().toString());
        if (m.matches() && !Trust.alive(Long.parseLong(m.group(1)),
            Long.parseLong(m.group(2)))) {
          Files.deleteIfExists(f);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("cannot sweep the adoption markers of {}: {}", path, e.toString());
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(path, "*.{tmp,exit,updates}")) {
      for (Path f : files) {
        String n = f.getFileName().toString();
        if (!OURS.matcher(n).matches()) {
          continue; // not a name ffrtmp gives: not ours to delete
        }
        try {
          Map<String, Object> a = Files.readAttributes(f, "unix:uid,isRegularFile,lastModifiedTime",
              LinkOption.NOFOLLOW_LINKS);
          if (!(a.get("uid") instanceof Integer uid) || uid != UID
              || !Boolean.TRUE.equals(a.get("isRegularFile"))) {
            continue;
          }
          Instant when = a.get("lastModifiedTime") instanceof java.nio.file.attribute.FileTime t
              ? t.toInstant() : null;
          boolean old = when != null && when.isBefore(aMinuteAgo);
          boolean deadWriter;
          if (n.endsWith(".start.tmp")) {
            deadWriter = writerGone(n.substring(0, n.length() - ".start.tmp".length()), when);
          } else if (n.endsWith(".exit") || n.endsWith(".updates")) {
            String name = n.substring(0, n.lastIndexOf('.'));
            if (Files.exists(startFile(name), LinkOption.NOFOLLOW_LINKS)) {
              continue; // a workload's record: its governor or a recovery reads and deletes it
            }
            deadWriter = writerGone(name, when);
          } else {
            deadWriter = false;
          }
          if (deadWriter || old) {
            Files.deleteIfExists(f);
          }
        } catch (IOException e) {
          // gone meanwhile
        }
      }
    } catch (IOException e) {
      LOG.debug("cannot sweep {}: {}", path, e.toString());
    }
  }

  /** Whether the JVM that named a record ({@code <job>.<pid>.<counter>}) is gone. */
  private static boolean writerGone(String name, @Nullable Instant written) {
    String[] parts = name.split("\\.");
    if (parts.length < 3) {
      return false;
    }
    try {
      long writer = Long.parseLong(parts[parts.length - 2]);
      return ProcessHandle.of(writer).map(h -> !h.isAlive() || reused(h, written))
          .orElse(true);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * Whether the process now under a writer's pid started after the file was written: the
   * writer is gone and its pid was given to another process (pids cycle within minutes on a
   * busy host with a pid_max of 32768). A start time is known to about a second (the boot
   * time's precision), hence the slack.
   */
  private static boolean reused(ProcessHandle h, @Nullable Instant written) {
    if (written == null) {
      return false;
    }
    return h.info().startInstant().map(s -> s.isAfter(written.plusSeconds(1))).orElse(false);
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
