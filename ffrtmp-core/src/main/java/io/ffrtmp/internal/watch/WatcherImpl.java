package io.ffrtmp.internal.watch;

import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.WatchListener;
import io.ffrtmp.WatchRule;
import io.ffrtmp.Watcher;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.internal.AttachBuilderImpl;
import io.ffrtmp.internal.RecoveryImpl;
import io.ffrtmp.internal.os.ProcEvents;
import io.ffrtmp.internal.os.Posix;
import io.ffrtmp.internal.os.ProcFs;
import io.ffrtmp.internal.os.Signals;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watcher. Three kinds of thread: the <em>reader</em> (connector only) decides about each
 * process whose {@code exec} the kernel reports, as it reads it (two small reads from {@code
 * /proc} for a process no rule names); the <em>timer</em> runs the scans (at the interval, or
 * once after a connector overflow) and looks again at processes too young for their rule; the
 * <em>adopter</em>, one thread, attaches — so a process is adopted at most once, however many
 * threads found it, and the reader never waits for a cgroup write.
 */
final class WatcherImpl implements Watcher {
  private static final Logger LOG = LoggerFactory.getLogger(WatcherImpl.class);
  /** How deep the search for an adopted ancestor goes. */
  private static final int ANCESTORS = 64;
  /**
   * Escapees of one tree outside its cgroup at once from which on they are stopped: few, so that
   * a fork bomb has few processes running free (while the JVM collects garbage, say, and the
   * reader stops nothing), and enough that a process starting its few helpers is not stopped.
   */
  private static final int STORM = 4;
  /** The nice value of the watcher's threads, where it may set it. */
  private static final int NICE = -20;

  /** A process by its identity: pid and start time (a reused pid has another). */
  private record Key(long pid, long startTime) {}

  /** What was decided about a pid, until its program changes. */
  private record Seen(long startTime, String comm) {}

  /**
   * An adoption's process tree, as the connector reports its forks from the moment the adoption
   * was decided. The kernel places a child where its parent is at the fork: a child forked by a
   * process not yet in the cgroup (before the adoption reached it) stays outside, an
   * <em>escapee</em>, and is moved after it. A tree that forks faster than processes can be
   * moved (a fork bomb: each move waits for the forks in flight) has its escapees stopped
   * ({@code SIGSTOP}) once more than {@value #STORM} are outside, each until it is moved, then
   * continued: a stopped process forks no more, so the tree ends up whole in the cgroup, under
   * its limits.
   */
  private static final class Family {
    final Set<Long> pids = ConcurrentHashMap.newKeySet();
    /** Since when each process known to be in the cgroup is there (the kernel's clock). */
    final Map<Long, Long> inSince = new ConcurrentHashMap<>();
    /** The escapees not moved yet. */
    final Set<Long> escaped = ConcurrentHashMap.newKeySet();
    /** Escapees this watcher stopped, to continue once moved. Guarded by this. */
    final Set<Long> stopped = new HashSet<>();
    /** Followed from its exec on: every descendant it has is in {@link #pids}. */
    final boolean sinceExec;
    /** Set once adopted: from then on each escapee is moved. */
    volatile @Nullable GovernedWorkload workload;
    /** Not adopted, or ended: no longer followed. Written under this. */
    volatile boolean over;

    Family(long root, boolean sinceExec) {
      this.sinceExec = sinceExec;
      pids.add(root);
    }
  }

  /** A child to move into its family's cgroup. */
  private record Follow(Family family, long pid) {}

  private volatile List<WatchRule> rules;
  private final String agent;
  private final List<WatchListener> listeners;
  private final boolean restoreOnStop;
  private final Duration scanInterval;
  /** What it discovers with: the connector until that fails, then the scan. */
  private volatile Discovery discovery;
  private volatile String detail;
  private final @Nullable ProcEvents events;
  private final Users users = Users.system();
  private final long self = ProcessHandle.current().pid();

  private final Map<Long, Seen> seen = new ConcurrentHashMap<>();
  private final Map<Key, GovernedWorkload> governed = new ConcurrentHashMap<>();
  private final Map<Key, Boolean> adopting = new ConcurrentHashMap<>();
  /** The last skip reported of each process: the same one is not reported twice. */
  private final Map<Key, String> skips = new ConcurrentHashMap<>();
  /** The processes of adoptions (connector only), each to its family. */
  private final Map<Long, Family> families = new ConcurrentHashMap<>();
  private final BlockingQueue<Follow> follows = new LinkedBlockingQueue<>();
  private final ScheduledExecutorService timer;
  private final ExecutorService adopter;
  private final Object listenerLock = new Object();
  private final AtomicBoolean stopped = new AtomicBoolean();
  /** Whether this watcher raised the JVM's service threads, to set back when it stops. */
  private final AtomicBoolean raised = new AtomicBoolean();
  /** A scan is queued: overflows in a row queue one, not one each. */
  private final AtomicBoolean scanQueued = new AtomicBoolean();
  private @Nullable Thread reader;
  private @Nullable Thread follower;
  /** The timer's and the adopter's threads: joined by stop(), which leaves none running. */
  private final List<Thread> pooled = new java.util.concurrent.CopyOnWriteArrayList<>();

  WatcherImpl(List<WatchRule> rules, String agent, List<WatchListener> listeners,
      boolean restoreOnStop, Duration scanInterval, Discovery discovery, String detail,
      @Nullable ProcEvents events) {
    this.rules = List.copyOf(rules);
    this.agent = agent;
    this.listeners = List.copyOf(listeners);
    this.restoreOnStop = restoreOnStop;
    this.scanInterval = scanInterval;
    this.discovery = discovery;
    this.detail = detail;
    this.events = events;
    this.timer = Executors.newSingleThreadScheduledExecutor(daemon("ffrtmp-watch-timer"));
    this.adopter = Executors.newSingleThreadExecutor(daemon("ffrtmp-watch-adopt"));
  }

  private java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = thread(r, name);
      pooled.add(t);
      return t;
    };
  }

  /**
   * A daemon thread of the watcher, at nice {@value #NICE} where the watcher may raise it
   * ({@code CAP_SYS_NICE}: root): a process that matches forks and runs outside its limits
   * until the watcher has placed it, and it must not be the watcher that waits for the CPU.
   */
  private static Thread thread(Runnable r, String name) {
    Thread t = new Thread(() -> {
      Posix.setThreadNice(0, NICE); // refused without the privilege: left as it is
      r.run();
    }, name);
    t.setDaemon(true);
    return t;
  }

  /** Recovers the agent's earlier adoptions, then starts discovering and scans once. */
  void begin() {
    // the backends probed, and what an adoption and a held fork run loaded, before the first
    // event is read (the socket keeps the events meanwhile): a tree that forks as the watcher
    // starts must not find the watcher's threads waiting for the class loader
    java.util.concurrent.Future<?> ready = adopter.submit(() -> {
      try {
        io.ffrtmp.internal.Strategies.selectFromRegistry(null);
        AttachBuilderImpl.warmUp();
      } catch (RuntimeException e) {
        LOG.debug("watch: probing the backends: {}", e.toString());
      }
    });
    RecoveryImpl records = new RecoveryImpl(agent);
    for (GovernedWorkload w : records.recover()) {
      Key key = new Key(w.pid(), ProcFs.stat(w.pid()).map(ProcFs.Stat::startTime).orElse(-1L));
      watch(key, w);
      tell(l -> l.recovered(w));
    }
    for (String warning : records.warnings()) {
      warn(warning);
    }
    try {
      ready.get();
    } catch (java.util.concurrent.ExecutionException x) {
      LOG.debug("watch: probing the backends: {}", x.toString());
    } catch (InterruptedException x) {
      Thread.currentThread().interrupt();
    }
    ProcEvents e = events;
    if (e != null) {
      // a collection stops the reader too: the collector must not wait behind what it follows
      ServiceThreads.raise(NICE);
      raised.set(true);
      Thread t = thread(() -> read(e), "ffrtmp-watch-events");
      reader = t;
      Thread f = thread(this::follow, "ffrtmp-watch-follow");
      follower = f;
      f.start();
      t.start();
      // subscribed before this scan: whatever starts after it is an event, nothing falls between
      timer.execute(this::scan);
    } else {
      timer.scheduleWithFixedDelay(this::scan, 0, scanInterval.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void read(ProcEvents e) {
    try {
      while (!stopped.get()) {
        try {
          e.poll(200, this::event);
        } catch (ProcEvents.Overflow o) {
          if (scanQueued.compareAndSet(false, true)) {
            warn(o.getMessage() + "; scanning /proc for what was missed");
            timer.execute(this::queuedScan);
          }
        } catch (IOException | RuntimeException x) {
          if (stopped.get()) {
            return;
          }
          String why = "the process-events connector failed: " + x.getMessage();
          detail = WatchBuilderImpl.scanDetail(scanInterval, why);
          discovery = Discovery.SCAN;
          warn(why + "; scanning /proc every " + scanInterval.toMillis() + " ms instead");
          // forks are no longer reported: nothing is followed, what was held goes on
          new HashSet<>(families.values()).forEach(this::abandon);
          timer.scheduleWithFixedDelay(this::scan, 0, scanInterval.toNanos(),
              TimeUnit.NANOSECONDS);
          return;
        }
      }
    } finally {
      e.close(); // here, by the one thread that reads it: no read races the close
    }
  }

  private void event(ProcEvents.Event e) {
    if (!e.ofProcess()) {
      return;
    }
    if (e.what() == ProcEvents.FORK) {
      forked(e.parentTgid(), e.pid(), e.timestampNs());
    } else if (e.what() == ProcEvents.EXEC) {
      look(e.pid(), e.timestampNs(), false);
    } else if (e.what() == ProcEvents.EXIT) {
      seen.remove(e.pid());
      if (!skips.isEmpty()) {
        skips.keySet().removeIf(k -> k.pid() == e.pid());
      }
      Family f = families.remove(e.pid());
      if (f != null) {
        f.pids.remove(e.pid());
        f.inSince.remove(e.pid());
        f.escaped.remove(e.pid());
        synchronized (f) {
          f.stopped.remove(e.pid());
        }
      }
    }
  }

  /** A fork the connector reported: followed where its parent belongs to an adoption. */
  private void forked(long parent, long child, long atNanos) {
    Family f = families.get(parent);
    if (f == null || f.over) {
      return;
    }
    f.pids.add(child);
    families.put(child, f);
    Long parentIn = f.inSince.get(parent);
    if (parentIn != null && parentIn <= atNanos) {
      f.inSince.put(child, atNanos); // forked in the cgroup
      return;
    }
    f.escaped.add(child);
    if (f.escaped.size() > STORM) {
      hold(f, parent, child);
    }
    if (f.workload != null) {
      follows.add(new Follow(f, child));
    }
  }

  /**
   * Stops an escapee until it is moved. Only a process whose parent is the one the kernel
   * reported (not a pid reused meanwhile) and that nobody else stopped.
   */
  private static void hold(Family f, long parent, long child) {
    synchronized (f) {
      if (f.over) {
        return;
      }
      ProcFs.Stat s = ProcFs.statByRead(child).orElse(null);
      if (s == null || s.ppid() != parent || s.state() == 'T' || s.state() == 't') {
        return;
      }
      if (Posix.kill((int) child, Signals.SIGSTOP) == 0) {
        f.stopped.add(child);
      }
    }
  }

  /** Continues an escapee this watcher stopped. */
  private static void release(Family f, long pid) {
    synchronized (f) {
      if (f.stopped.remove(pid)) {
        Posix.kill((int) pid, Signals.SIGCONT);
      }
    }
  }

  /**
   * The follower: moves the children the reader reported into their family's cgroup, as many
   * as are waiting at a time, so the reader never waits for a cgroup write.
   */
  private void follow() {
    List<Follow> batch = new ArrayList<>();
    while (!stopped.get()) {
      try {
        Follow first = follows.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        follows.drainTo(batch);
        for (Follow f : batch) {
          move(f.family(), f.pid());
        }
        batch.clear();
      } catch (InterruptedException x) {
        return;
      } catch (RuntimeException x) {
        LOG.error("watch: following forks into their cgroups failed", x);
      }
    }
  }

  /** Moves an escapee into its family's cgroup (unless moved or gone), then continues it. */
  private static void move(Family f, long pid) {
    GovernedWorkload w = f.workload;
    try {
      if (w != null && !f.over && f.escaped.contains(pid)
          && AttachBuilderImpl.follow(w, pid)) {
        f.inSince.put(pid, System.nanoTime());
      }
    } finally {
      f.escaped.remove(pid);
      release(f, pid);
    }
  }

  /**
   * No longer follows a family: its adoption failed, its workload ended or the watcher stops.
   * What it stopped is continued.
   */
  private void abandon(Family f) {
    synchronized (f) {
      f.over = true;
      for (long pid : f.stopped) {
        Posix.kill((int) pid, Signals.SIGCONT);
      }
      f.stopped.clear();
    }
    for (long pid : f.pids) {
      families.remove(pid, f);
    }
  }

  private void queuedScan() {
    scanQueued.set(false);
    scan();
  }

  /** Looks at every process; forgets the pids that are gone. */
  private void scan() {
    if (stopped.get()) {
      return;
    }
    Set<Long> known = new HashSet<>(seen.keySet());
    Set<Long> present = new HashSet<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"))) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) {
          long pid = Long.parseLong(n);
          present.add(pid);
          look(pid, 0, false);
        }
      }
    } catch (IOException | RuntimeException x) {
      warn("cannot scan /proc: " + x);
      return;
    }
    // forget the pids gone since: only those known before the listing (a pid seen meanwhile, by
    // an exec, may be missing from it and is not gone)
    known.removeAll(present);
    seen.keySet().removeAll(known);
    skips.keySet().removeIf(k -> known.contains(k.pid()));
  }

  /**
   * Decides about one process, unless it was decided about already with the same program (the
   * same start time and {@code comm}: a scan sees most processes again and again, and the exec
   * of a process started through {@code setpriv} or {@code env} may be read as the next one's).
   *
   * @param execNanos when the kernel reported its exec ({@link System#nanoTime()}'s clock), or
   *     0 for a scan (the process's start then stands for it)
   * @param force whether to decide again all the same (it was too young before)
   */
  private void look(long pid, long execNanos, boolean force) {
    boolean exec = execNanos != 0;
    if (pid == self || stopped.get() || families.containsKey(pid)) {
      return; // an adoption's own process: governed with it
    }
    LiveProcess p = LiveProcess.of(pid, users).orElse(null);
    if (p == null) {
      return;
    }
    Seen now = new Seen(p.startTime(), p.comm());
    Seen before = seen.put(pid, now);
    if (!force && now.equals(before)) {
      return;
    }
    Key key = new Key(pid, p.startTime());
    if (governed.containsKey(key) || adopting.containsKey(key)) {
      return;
    }
    RuleMatcher.Decision d;
    try {
      d = RuleMatcher.decide(rules, p);
    } catch (RuntimeException x) {
      LOG.error("watch: deciding about pid {} failed", pid, x);
      return;
    }
    if (d instanceof RuleMatcher.Skip s) {
      if (!s.reason().equals(skips.put(key, s.reason()))) {
        tell(l -> l.skipped(pid, p.name(), s.reason()));
      }
    } else if (d instanceof RuleMatcher.Wait w) {
      timer.schedule(() -> again(key, execNanos), w.delay().toMillis() + 1,
          TimeUnit.MILLISECONDS);
    } else if (d instanceof RuleMatcher.Adopt a) {
      if (adopting.putIfAbsent(key, Boolean.TRUE) == null) {
        long since = exec ? execNanos : System.nanoTime() - p.age().toNanos();
        @Nullable Family family = null;
        if (events != null) {
          // its forks are followed from now on: those before the adoption are moved after it
          Family f = new Family(pid, exec && !force);
          families.put(pid, f);
          family = f;
        }
        Family fam = family;
        adopter.execute(() -> adopt(key, p, a.rule(), since, fam));
      }
    }
  }

  /** A process that was too young: the same process, looked at again. */
  private void again(Key key, long execNanos) {
    if (ProcFs.stat(key.pid()).map(s -> s.startTime() == key.startTime()).orElse(false)) {
      look(key.pid(), execNanos != 0 ? execNanos : System.nanoTime(), true);
    }
  }

  private void adopt(Key key, LiveProcess p, WatchRule rule, long execNanos,
      @Nullable Family family) {
    boolean adopted = false;
    try {
      if (stopped.get() || governed.containsKey(key)) {
        return;
      }
      String command = p.name();
      Ancestor ancestor = adoptedAncestor(p.ppid());
      if (ancestor != null) {
        // governed with it (in its cgroup): not news, and a matching fork storm must not become
        // a storm of listener calls. Found outside every run's cgroup (its fork lost to a
        // connector overflow, a scan's adoption that raced it, a failed move), it and its
        // descendants are brought back
        int moved = AttachBuilderImpl.rejoin(ancestor.workload(), key.pid());
        LOG.debug("watch: pid {} is a descendant of job {} (pid {}){}", key.pid(),
            ancestor.workload().jobId(), ancestor.pid(),
            moved == 0 ? "" : ": " + moved + " found outside its cgroup, moved in");
        return;
      }
      GovernedWorkload w;
      try {
        if (!ProcFs.stat(key.pid()).map(s -> s.startTime() == key.startTime()).orElse(false)) {
          return; // gone before it could be adopted: nothing to govern
        }
        w = new AttachBuilderImpl(key.pid())
            // an exec the connector reported: every fork since is in the family, moved after
            // the adoption (a search of the tree here would race a fork bomb and lose);
            // otherwise the tree as it is now, then the family from here on
            .withDescendants(family == null || !family.sinceExec)
            .withConstraints(rule.constraints())
            .withJobId(jobId(rule, p))
            .withIntent(rule.intent())
            .slaEligible(rule.slaEligible())
            .withAgent(agent)
            .restoreOnDetach(restoreOnStop)
            .start();
      } catch (IOException | io.ffrtmp.EnforcementException | RuntimeException x) {
        if (ProcFs.stat(key.pid()).isPresent()) {
          tell(l -> l.skipped(key.pid(), command, "not adopted: " + x.getMessage()));
        }
        return;
      }
      java.time.Duration since = Duration.ofNanos(Math.max(0, System.nanoTime() - execNanos));
      adopted = true;
      if (family != null) {
        family.inSince.put(key.pid(), System.nanoTime());
        family.workload = w;
        // forked before the adoption: moved now; each escapee reported from here on is queued
        for (long pid : family.escaped) {
          follows.add(new Follow(family, pid));
        }
        w.onExit().whenComplete((r, x) -> abandon(family));
      }
      watch(key, w);
      tell(l -> l.adopted(w, rule, since));
    } finally {
      adopting.remove(key);
      if (family != null && !adopted) {
        abandon(family);
      }
    }
  }

  private void watch(Key key, GovernedWorkload w) {
    governed.put(key, w);
    w.onExit().whenComplete((r, x) -> {
      governed.remove(key);
      if (r != null) {
        tell(l -> l.ended(r));
      }
    });
  }

  /** An ancestor this watcher governs: its workload and pid. */
  private record Ancestor(GovernedWorkload workload, long pid) {}

  /**
   * The nearest ancestor this watcher governs, or null.
   *
   * @param parent the process's parent
   */
  private @Nullable Ancestor adoptedAncestor(long parent) {
    if (governed.isEmpty()) {
      return null;
    }
    long p = parent;
    for (int i = 0; i < ANCESTORS && p > 1; i++) {
      ProcFs.Stat s = ProcFs.stat(p).orElse(null);
      if (s == null) {
        return null;
      }
      GovernedWorkload w = governed.get(new Key(p, s.startTime()));
      if (w != null) {
        return new Ancestor(w, p);
      }
      p = s.ppid();
    }
    return null;
  }

  static String jobId(WatchRule rule, ProcessFacts p) {
    String uid = Long.toString(p.uid());
    return rule.jobId()
        .replace("{comm}", p.name())
        .replace("{pid}", Long.toString(p.pid()))
        .replace("{ppid}", Long.toString(p.ppid()))
        .replace("{uid}", uid)
        .replace("{user}", p.user().orElse(uid))
        .replace("{rule}", rule.name());
  }

  /** Something the watcher could not do, and went on: logged and told to the listeners. */
  private void warn(String message) {
    LOG.warn("watch: {}", message);
    tell(l -> l.warning(message));
  }

  private void tell(Consumer<WatchListener> call) {
    synchronized (listenerLock) {
      for (WatchListener l : listeners) {
        try {
          call.accept(l);
        } catch (RuntimeException x) {
          LOG.error("watch: a listener failed", x);
        }
      }
    }
  }

  @Override
  public Discovery discovery() {
    return discovery;
  }

  @Override
  public String discoveryDetail() {
    return detail;
  }

  @Override
  public List<GovernedWorkload> governed() {
    return new ArrayList<>(governed.values());
  }

  @Override
  public List<WatchRule> rules() {
    return rules;
  }

  @Override
  public void reload(List<WatchRule> newRules) {
    this.rules = List.copyOf(newRules);
    // processes decided under the old rules are looked at again by the next scan (a skip for
    // the same reason is not reported again)
    seen.clear();
    if (events != null && !stopped.get()) {
      timer.execute(this::scan);
    }
  }

  @Override
  public void stop() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    Thread t = reader;
    if (t != null) {
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Thread f = follower;
    if (f != null) {
      f.interrupt();
      try {
        f.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // what the follower had not moved yet is continued, where it stopped it
    new HashSet<>(families.values()).forEach(this::abandon);
    timer.shutdownNow();
    adopter.shutdown();
    try {
      adopter.awaitTermination(30, TimeUnit.SECONDS);
      timer.awaitTermination(5, TimeUnit.SECONDS);
      // a pool is terminated once its workers are done, a moment before their threads end
      for (Thread p : pooled) {
        p.join(2000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (raised.getAndSet(false)) {
      ServiceThreads.restore();
    }
    if (restoreOnStop) {
      for (GovernedWorkload w : governed()) {
        try {
          WorkloadReport r = w.detach();
          LOG.debug("watch: detached {} ({})", w.jobId(), r.exitReason());
        } catch (RuntimeException x) {
          LOG.warn("watch: detaching {} failed: {}", w.jobId(), x.toString());
        }
      }
    }
  }
}
