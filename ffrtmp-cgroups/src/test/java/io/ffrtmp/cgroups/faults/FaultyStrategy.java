package io.ffrtmp.cgroups.faults;

import io.ffrtmp.Enforcement;
import io.ffrtmp.Usage;
import io.ffrtmp.cgroups.CgroupFs;
import io.ffrtmp.cgroups.CgroupFsException;
import io.ffrtmp.cgroups.v1.CgroupV1Strategy;
import io.ffrtmp.spi.Availability;
import io.ffrtmp.spi.Governance;
import io.ffrtmp.spi.GovernanceRequest;
import io.ffrtmp.spi.GovernanceStrategy;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test backend ({@code test-faulty}, never chosen unless forced): the real cgroup-v1 backend
 * over a cgroupfs that fails on command. Registered by the test class path's
 * META-INF/services; the fault to inject is set in {@link #fault}.
 */
public final class FaultyStrategy implements GovernanceStrategy {
  /** Which error to raise. */
  public enum Errno {
    /** Permission denied. */
    EACCES,
    /** Device or resource busy. */
    EBUSY,
    /** Invalid argument. */
    EINVAL,
    /** No such file or directory. */
    ENOENT,
    /** No space left on device. */
    ENOSPC,
    /** The write is taken, but the file reads back something else. */
    SHORT_WRITE
  }

  /**
   * Where a fault strikes and how often.
   *
   * @param op the operation: "mkdir", "write", "read", "rmdir" or "join"
   * @param file the file name ("" = any)
   * @param errno the error
   * @param times how many times it fires
   */
  public record Fault(String op, String file, Errno errno, int times) {
    @Override
    public String toString() {
      return op + (file.isEmpty() ? "" : " " + file) + " " + errno;
    }
  }

  /** The fault of the running test, or null. */
  public static volatile Fault fault;
  private static final AtomicInteger FIRED = new AtomicInteger();

  /**
   * How often the current fault fired.
   *
   * @return the count
   */
  public static int fired() {
    return FIRED.get();
  }

  /**
   * Sets the fault of the next run.
   *
   * @param f the fault, or null for none
   */
  public static void inject(Fault f) {
    FIRED.set(0);
    fault = f;
  }

  private static boolean hit(String op, Path file) {
    Fault f = fault;
    if (f == null || !f.op().equals(op)
        || !(f.file().isEmpty() || file.getFileName().toString().equals(f.file()))) {
      return false;
    }
    if (FIRED.get() >= f.times()) {
      return false;
    }
    FIRED.incrementAndGet();
    return true;
  }

  private static IOException error(Path file) {
    switch (fault.errno()) {
      case EACCES: return new AccessDeniedException(file.toString());
      case ENOENT: return new NoSuchFileException(file.toString());
      case EBUSY: return new CgroupFsException(file.toString(), CgroupFsException.EBUSY,
          "Device or resource busy");
      case EINVAL: return new CgroupFsException(file.toString(), CgroupFsException.EINVAL,
          "Invalid argument");
      default: return new CgroupFsException(file.toString(), CgroupFsException.ENOSPC,
          "No space left on device");
    }
  }

  static final CgroupFs INJECTING = new CgroupFs() {
    @Override
    public String read(Path f) throws IOException {
      if (hit("read", f)) {
        throw error(f);
      }
      return REAL.read(f);
    }

    @Override
    public void write(Path f, String v) throws IOException {
      if (hit("write", f)) {
        if (fault.errno() == Errno.SHORT_WRITE) {
          REAL.write(f, v.substring(0, Math.max(1, v.length() / 2)));
          return;
        }
        throw error(f);
      }
      REAL.write(f, v);
    }

    @Override
    public void mkdir(Path d) throws IOException {
      if (hit("mkdir", d)) {
        throw error(d);
      }
      REAL.mkdir(d);
    }

    @Override
    public void rmdir(Path d) throws IOException {
      if (hit("rmdir", d)) {
        throw error(d);
      }
      REAL.rmdir(d);
    }

    @Override
    public List<String> children(Path d) throws IOException {
      return REAL.children(d);
    }

    @Override
    public boolean exists(Path f) {
      return REAL.exists(f);
    }

    @Override
    public boolean writable(Path d) {
      return REAL.writable(d);
    }
  };

  private final CgroupV1Strategy real = new CgroupV1Strategy(INJECTING, Path.of("/proc/self"));

  /** Created by ServiceLoader. */
  public FaultyStrategy() {}

  @Override
  public String name() {
    return "test-faulty";
  }

  @Override
  public int priority() {
    return -100;
  }

  @Override
  public Availability probe() {
    return real.probe();
  }

  @Override
  public Governance prepare(GovernanceRequest request) throws IOException {
    Governance g = real.prepare(request);
    Fault f = fault;
    if (f != null && f.op().equals("read")) {
      return keeperCannotRead(g, f.file());
    }
    if (f == null || !f.op().equals("join")) {
      return g;
    }
    FIRED.incrementAndGet();
    // placement happens in the launch shim, outside CgroupFs: hand it a cgroup.procs that fails
    Path bad = g.joinFiles().get(0).resolveSibling("no-such-cgroup/cgroup.procs");
    return new Governance() {
      @Override public String cgroupPath() { return g.cgroupPath(); }
      @Override public List<Path> joinFiles() { return List.of(bad); }
      @Override public List<Enforcement> enforcement() { return g.enforcement(); }
      @Override public List<String> warnings() { return g.warnings(); }
      @Override public void adopt(long pid) throws IOException { g.adopt(pid); }
      @Override public void moveBack(long pid, String o) throws IOException { g.moveBack(pid, o); }
      @Override public void signalAll(int signal, long spared) { g.signalAll(signal, spared); }
      @Override public Usage usage() { return g.usage(); }
      @Override public List<String> release() { return g.release(); }
    };
  }

  /**
   * The launch keeper copies the counters when the workload ends, outside CgroupFs: a counter it
   * could not read is missing from its copy, and the report reads that file through the
   * (faulty) cgroupfs instead.
   */
  private static Governance keeperCannotRead(Governance g, String file) {
    return new Governance() {
      @Override public String cgroupPath() { return g.cgroupPath(); }
      @Override public List<Path> joinFiles() { return g.joinFiles(); }
      @Override public List<Enforcement> enforcement() { return g.enforcement(); }
      @Override public List<String> warnings() { return g.warnings(); }
      @Override public void adopt(long pid) throws IOException { g.adopt(pid); }
      @Override public void moveBack(long pid, String o) throws IOException { g.moveBack(pid, o); }
      @Override public List<Path> finalCounters() {
        return g.finalCounters().stream().filter(p -> !p.endsWith(file)).toList();
      }
      @Override public java.util.Map<String, String> state() { return g.state(); }
      @Override public void signalAll(int signal, long spared) { g.signalAll(signal, spared); }
      @Override public Usage usage() { return g.usage(); }
      @Override public Usage usage(java.util.Map<String, String> counters) {
        return g.usage(counters);
      }
      @Override public List<String> release() { return g.release(); }
    };
  }
}
