package io.ffrtmp.internal.watch;

import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.WatchListener;
import io.ffrtmp.WatchRule;
import io.ffrtmp.Watcher;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.internal.AttachBuilderImpl;
import io.ffrtmp.internal.RecoveryImpl;
import io.ffrtmp.internal.os.ProcEvents;
import io.ffrtmp.internal.os.ProcFs;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

  /** A process by its identity: pid and start time (a reused pid has another). */
  private record Key(long pid, long startTime) {}

  /** What was decided about a pid, until its program changes. */
  private record Seen(long startTime, String comm) {}

  private volatile List<WatchRule> rules;
  private final String agent;
  private final List<WatchListener> listeners;
  private final boolean restoreOnStop;
  private final Duration scanInterval;
  private final Discovery discovery;
  private final String detail;
  private final @Nullable ProcEvents events;
  private final Users users = Users.system();
  private final long self = ProcessHandle.current().pid();

  private final Map<Long, Seen> seen = new ConcurrentHashMap<>();
  private final Map<Key, GovernedWorkload> governed = new ConcurrentHashMap<>();
  private final Map<Key, Boolean> adopting = new ConcurrentHashMap<>();
  /** The last skip reported of each process: the same one is not reported twice. */
  private final Map<Key, String> skips = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer;
  private final ExecutorService adopter;
  private final Object listenerLock = new Object();
  private final AtomicBoolean stopped = new AtomicBoolean();
  /** A scan is queued: overflows in a row queue one, not one each. */
  private final AtomicBoolean scanQueued = new AtomicBoolean();
  private @Nullable Thread reader;

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

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** Recovers the agent's earlier adoptions, then starts discovering and scans once. */
  void begin() {
    // the backends probed and their classes loaded before the first adoption needs them
    adopter.execute(() -> {
      try {
        io.ffrtmp.internal.Strategies.selectFromRegistry(null);
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
      LOG.warn("watch: {}", warning);
    }
    ProcEvents e = events;
    if (e != null) {
      Thread t = new Thread(() -> read(e), "ffrtmp-watch-events");
      t.setDaemon(true);
      reader = t;
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
            LOG.warn("watch: {}; scanning /proc for what was missed", o.getMessage());
            timer.execute(this::queuedScan);
          }
        } catch (IOException | RuntimeException x) {
          if (stopped.get()) {
            return;
          }
          LOG.error("watch: the process-events connector failed ({}); scanning /proc every {}"
              + " instead", x.toString(), scanInterval);
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
    if (e.what() == ProcEvents.EXEC) {
      look(e.pid(), e.timestampNs(), false);
    } else if (e.what() == ProcEvents.EXIT) {
      seen.remove(e.pid());
      skips.keySet().removeIf(k -> k.pid() == e.pid());
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
      LOG.error("watch: cannot scan /proc: {}", x.toString());
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
    if (pid == self || stopped.get()) {
      return;
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
        adopter.execute(() -> adopt(key, p, a.rule(), since));
      }
    }
  }

  /** A process that was too young: the same process, looked at again. */
  private void again(Key key, long execNanos) {
    if (ProcFs.stat(key.pid()).map(s -> s.startTime() == key.startTime()).orElse(false)) {
      look(key.pid(), execNanos != 0 ? execNanos : System.nanoTime(), true);
    }
  }

  private void adopt(Key key, LiveProcess p, WatchRule rule, long execNanos) {
    try {
      if (stopped.get() || governed.containsKey(key)) {
        return;
      }
      String command = p.name();
      String ancestor = adoptedAncestor(p.ppid());
      if (ancestor != null) {
        // governed with it already (in its cgroup): not news, and a matching fork storm must
        // not become a storm of listener calls
        LOG.debug("watch: pid {} is a descendant of {}", key.pid(), ancestor);
        return;
      }
      GovernedWorkload w;
      try {
        if (!ProcFs.stat(key.pid()).map(s -> s.startTime() == key.startTime()).orElse(false)) {
          return; // gone before it could be adopted: nothing to govern
        }
        w = new AttachBuilderImpl(key.pid())
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
      watch(key, w);
      tell(l -> l.adopted(w, rule, since));
    } finally {
      adopting.remove(key);
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

  /**
   * The job id and pid of the nearest ancestor this watcher governs, or null.
   *
   * @param parent the process's parent
   */
  private @Nullable String adoptedAncestor(long parent) {
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
        return "job " + w.jobId() + " (pid " + p + ")";
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
    timer.shutdownNow();
    adopter.shutdown();
    try {
      adopter.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
