package io.ffrtmp.cgroups;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A cgroupfs fixture in a {@code @TempDir} (OSHI-style): plain files that behave like the
 * kernel's control files where the backends depend on it. A new directory gets the files the
 * kernel would create ({@link #filesOfNewCgroup}); a write replaces a file's content, except
 * {@code cgroup.procs} (a pid joins: it leaves every other cgroup of the fixture), {@code
 * cgroup.subtree_control} ({@code +x}/{@code -x}, only controllers in {@code
 * cgroup.controllers}, refused with EBUSY while the cgroup has processes: the no-internal-processes
 * rule of v2) and device-keyed files such as {@code io.weight} (the {@code default} line is
 * replaced). {@code rmdir} of a cgroup with processes or children is EBUSY. Individual files can
 * be made to refuse writes or to read back another value.
 */
public final class FixtureCgroupFs implements CgroupFs {
  private final Path root;
  private final boolean unified;
  private final Function<Path, Map<String, String>> filesOfNewCgroup;
  private final Map<String, String> refusals = new HashMap<>();
  private final Map<String, String> readsBackAs = new HashMap<>();
  /** Every write, in order: {@code file=value}. */
  public final List<String> writes = new ArrayList<>();

  /**
   * A fixture.
   *
   * @param root the hierarchy's root directory (v2: the mount point; v1: the directory that
   *     holds the hierarchies)
   * @param unified whether the v2 rules (subtree_control, no internal processes) apply
   * @param filesOfNewCgroup the files and contents a new cgroup gets, given its directory
   */
  public FixtureCgroupFs(Path root, boolean unified,
      Function<Path, Map<String, String>> filesOfNewCgroup) {
    this.root = root;
    this.unified = unified;
    this.filesOfNewCgroup = filesOfNewCgroup;
  }

  /**
   * The files of a new v2 cgroup whose parent enables {@code enabled} for it, as a 6.x kernel
   * creates them.
   *
   * @param enabled the controllers in the parent's {@code cgroup.subtree_control}
   * @return file name to content
   */
  public static Map<String, String> v2Files(String enabled) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("cgroup.procs", "");
    f.put("cgroup.controllers", enabled);
    f.put("cgroup.subtree_control", "");
    f.put("cgroup.events", "populated 0\nfrozen 0");
    f.put("cgroup.freeze", "0");
    f.put("cgroup.kill", "");
    List<String> c = List.of(enabled.split(" "));
    if (c.contains("cpu")) {
      f.put("cpu.max", "max 100000");
      f.put("cpu.weight", "100");
      f.put("cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\nnr_periods 0\nnr_throttled 0\n"
          + "throttled_usec 0");
    }
    if (c.contains("memory")) {
      f.put("memory.max", "max");
      f.put("memory.oom.group", "0");
      f.put("memory.current", "0");
      f.put("memory.peak", "0");
      f.put("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0");
      f.put("memory.high", "max");
      f.put("memory.swap.max", "max");
    }
    if (c.contains("cpuset")) {
      f.put("cpuset.cpus", "");
      f.put("cpuset.mems", "");
    }
    if (c.contains("pids")) {
      f.put("pids.max", "max");
      f.put("pids.current", "0");
      f.put("pids.events", "max 0");
    }
    if (c.contains("io")) {
      f.put("io.weight", "default 100");
      f.put("io.stat", "");
    }
    return f;
  }

  /**
   * Makes writes to files of this name fail as the kernel would.
   *
   * @param fileName e.g. {@code cpu.max}
   * @param reason e.g. {@code Invalid argument}
   * @return this fixture
   */
  public FixtureCgroupFs refuse(String fileName, String reason) {
    refusals.put(fileName, reason);
    return this;
  }

  /**
   * Makes one value written to files of this name fail as the kernel would (other values, such
   * as the reset to the default, are taken).
   *
   * @param fileName e.g. {@code cpu.max}
   * @param value the refused value
   * @param reason e.g. {@code Invalid argument}
   * @return this fixture
   */
  public FixtureCgroupFs refuse(String fileName, String value, String reason) {
    refusals.put(fileName + "=" + value, reason);
    return this;
  }

  /**
   * Makes files of this name accept one value but read back another (a short write).
   *
   * @param fileName e.g. {@code memory.limit_in_bytes}
   * @param value the value written
   * @param content what the kernel then holds
   * @return this fixture
   */
  public FixtureCgroupFs readBackAs(String fileName, String value, String content) {
    readsBackAs.put(fileName + "=" + value, content);
    return this;
  }

  /**
   * Creates a cgroup directory with its files, as the kernel does on mkdir; the parent
   * directories must exist.
   *
   * @param dir the directory
   * @throws IOException when it exists
   */
  @Override
  public void mkdir(Path dir) throws IOException {
    Files.createDirectory(dir);
    for (Map.Entry<String, String> e : filesOfNewCgroup.apply(dir).entrySet()) {
      put(dir.resolve(e.getKey()), e.getValue());
    }
  }

  @Override
  public String read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString());
    }
    String s = Files.readString(file, StandardCharsets.UTF_8);
    return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }

  @Override
  public synchronized void write(Path file, String value) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString());
    }
    String name = file.getFileName().toString();
    String refused = refusals.getOrDefault(name + "=" + value, refusals.get(name));
    if (refused != null) {
      throw refusal(file, refused);
    }
    writes.add(root.relativize(file) + "=" + value);
    Path dir = file.getParent();
    switch (name) {
      case "cgroup.procs":
        if (unified && !dir.equals(root) && !read(dir.resolve("cgroup.subtree_control")).isEmpty()) {
          throw refusal(file, "Device or resource busy");
        }
        leaveEveryCgroup(value.trim());
        String procs = read(file);
        put(file, procs.isEmpty() ? value.trim() : procs + "\n" + value.trim());
        return;
      case "cgroup.subtree_control":
        TreeSet<String> enabled = new TreeSet<>(words(read(file)));
        List<String> available = words(read(dir.resolve("cgroup.controllers")));
        for (String token : words(value)) {
          String c = token.substring(1);
          if (!available.contains(c)) {
            throw refusal(file, "Invalid argument");
          }
          if (token.startsWith("+")) {
            if (unified && !dir.equals(root) && !read(dir.resolve("cgroup.procs")).isEmpty()) {
              throw refusal(file, "Device or resource busy");
            }
            enabled.add(c);
          } else {
            enabled.remove(c);
          }
        }
        put(file, String.join(" ", enabled));
        return;
      default:
        String old = read(file);
        if (value.startsWith("default ") && old.startsWith("default ")) {
          List<String> lines = new ArrayList<>(old.lines().toList());
          lines.set(0, value);
          put(file, String.join("\n", lines));
        } else {
          put(file, readsBackAs.getOrDefault(name + "=" + value, value));
        }
    }
  }

  private void leaveEveryCgroup(String pid) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (p.getFileName().toString().equals("cgroup.procs")) {
          List<String> left = new ArrayList<>(words(read(p)));
          if (left.remove(pid)) {
            put(p, String.join("\n", left));
          }
        }
      }
    }
  }

  @Override
  public void rmdir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString());
    }
    if (!read(dir.resolve("cgroup.procs")).isBlank() || !children(dir).isEmpty()) {
      throw refusal(dir, "Device or resource busy");
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Files.delete(p);
      }
    }
    Files.delete(dir);
  }

  @Override
  public List<String> children(Path dir) throws IOException {
    return REAL.children(dir);
  }

  @Override
  public boolean exists(Path file) {
    return REAL.exists(file);
  }

  @Override
  public boolean writable(Path dir) {
    return REAL.writable(dir);
  }

  /**
   * Writes a file's content directly (test set-up: counters, a process's membership).
   *
   * @param file the file
   * @param content its content
   * @throws IOException on failure
   */
  public void put(Path file, String content) throws IOException {
    Files.writeString(file, content, StandardCharsets.UTF_8);
  }

  private static List<String> words(String s) {
    List<String> out = new ArrayList<>();
    for (String w : s.trim().split("\\s+")) {
      if (!w.isEmpty()) {
        out.add(w);
      }
    }
    return out;
  }

  private static IOException refusal(Path file, String reason) {
    if (reason.equals("Permission denied")) {
      return new AccessDeniedException(file.toString());
    }
    if (reason.equals("File exists")) {
      return new FileAlreadyExistsException(file.toString());
    }
    switch (reason) {
      case "Device or resource busy":
        return new CgroupFsException(file.toString(), CgroupFsException.EBUSY, reason);
      case "Invalid argument":
        return new CgroupFsException(file.toString(), CgroupFsException.EINVAL, reason);
      default:
        return new CgroupFsException(file.toString(), CgroupFsException.ENOSPC, reason);
    }
  }
}
