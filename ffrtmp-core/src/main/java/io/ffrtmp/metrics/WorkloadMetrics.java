package io.ffrtmp.metrics;

import io.ffrtmp.Constraints;
import io.ffrtmp.ExitReason;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Usage;
import io.ffrtmp.Workload;
import io.ffrtmp.WorkloadObserver;
import io.ffrtmp.WorkloadReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM's workloads counted, for a metrics system to publish: how many started (by mode), how
 * many ended (by reason, exit status, platform SLA), their total CPU and throttled time, OOM
 * kills, and the running ones with their live usage. No metrics library is needed: the modules
 * {@code ffrtmp-micrometer} ({@code FfrtmpMeterBinder}) and {@code ffrtmp-opentelemetry}
 * ({@code FfrtmpTelemetry}) and the CLI's Prometheus endpoint publish these numbers under the
 * names docs/EXAMPLES.md lists, and anything else can read them. Start it once, when the JVM
 * starts: it counts what starts after.
 *
 * <pre>{@code
 * WorkloadMetrics metrics = WorkloadMetrics.start();
 * ...
 * metrics.started(WorkloadReport.Mode.RUN);   // 12
 * metrics.active();                           // the running ones, each with its usage
 * }</pre>
 *
 * <p>Job ids are never counted by: counters and totals are by bounded values only (mode, exit
 * reason, exit zero or not, SLA compliant or not); {@link #active()} names each running
 * workload, for per-workload gauges whose series end with the workload (bounded by how many run
 * at once). Thread-safe; counting costs a few atomic additions per start and end, and reading
 * {@link #active()} reads each workload's usage at most once per {@code usageMaxAge}.
 */
public final class WorkloadMetrics implements WorkloadObserver, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkloadMetrics.class);

  /**
   * A running workload, as last read.
   *
   * @param workload the workload
   * @param mode how it came under governance
   * @param constraints the constraints it was given at its start
   * @param recovered whether this JVM took it over from an earlier one
   * @param usage its usage, at most {@code usageMaxAge} old
   */
  public record Active(GovernedWorkload workload, WorkloadReport.Mode mode,
      Constraints constraints, boolean recovered, Usage usage) {
    /**
     * Its memory limit in force: asked for and applied.
     *
     * @return bytes, or null where none is in force (none asked, or not applied)
     */
    public @Nullable Long memoryLimitBytes() {
      return WorkloadMetrics.memoryLimitBytes(workload, constraints);
    }
  }

  /**
   * A workload's memory limit in force: asked for and applied.
   *
   * @param w the workload
   * @param c the constraints it was given
   * @return bytes, or null where none is in force (none asked, or not applied)
   */
  public static @Nullable Long memoryLimitBytes(GovernedWorkload w, Constraints c) {
    if (c.memoryLimitMb() <= 0) {
      return null;
    }
    boolean applied = w.enforcement().stream().anyMatch(e -> e.constraint()
        == io.ffrtmp.Constraint.MEMORY_LIMIT_MB && e.status() == io.ffrtmp.EnforcementStatus.APPLIED);
    return applied ? c.memoryLimitMb() * 1024 * 1024 : null;
  }

  private final class Tracked {
    final GovernedWorkload workload;
    final WorkloadReport.Mode mode;
    final Constraints constraints;
    final boolean recovered;
    private volatile Usage usage = Usage.UNKNOWN;
    private volatile long readAt;
    private volatile boolean read;

    Tracked(GovernedWorkload w, WorkloadReport.Mode mode, Constraints c, boolean recovered) {
      this.workload = w;
      this.mode = mode;
      this.constraints = c;
      this.recovered = recovered;
    }

    Active now() {
      long t = System.nanoTime();
      if (!read || t - readAt > usageMaxAge.toNanos()) {
        try {
          usage = workload.usage();
        } catch (RuntimeException e) {
          LOG.debug("usage of job {}: {}", workload.jobId(), e.toString());
        }
        readAt = t;
        read = true;
      }
      return new Active(workload, mode, constraints, recovered, usage);
    }
  }

  private record Key(String jobId, long pid) {}

  private final Duration usageMaxAge;
  private final Map<WorkloadReport.Mode, LongAdder> started = adders(WorkloadReport.Mode.class);
  private final LongAdder recovered = new LongAdder();
  private final Map<ExitReason, LongAdder> ended = adders(ExitReason.class);
  private final LongAdder exitZero = new LongAdder();
  private final LongAdder exitNonZero = new LongAdder();
  private final LongAdder exitUnknown = new LongAdder();
  private final LongAdder slaCompliant = new LongAdder();
  private final LongAdder slaViolation = new LongAdder();
  private final LongAdder oomKills = new LongAdder();
  private final DoubleAdder endedCpuSec = new DoubleAdder();
  private final DoubleAdder endedThrottledSec = new DoubleAdder();
  private final Map<Key, Tracked> active = new ConcurrentHashMap<>();
  private final List<WorkloadObserver> subscribers = new CopyOnWriteArrayList<>();
  private volatile WorkloadObserver.@Nullable Registration registration;

  private WorkloadMetrics(Duration usageMaxAge) {
    if (usageMaxAge.isNegative()) {
      throw new IllegalArgumentException("usageMaxAge must be 0 or more, got " + usageMaxAge);
    }
    this.usageMaxAge = usageMaxAge;
  }

  private static <E extends Enum<E>> Map<E, LongAdder> adders(Class<E> type) {
    Map<E, LongAdder> m = new EnumMap<>(type);
    for (E e : type.getEnumConstants()) {
      m.put(e, new LongAdder());
    }
    return m;
  }

  /**
   * Starts counting the workloads this JVM governs from now on, each running one's usage read at
   * most once a second.
   *
   * @return the counts, registered with {@link Workload#observe(WorkloadObserver)}
   */
  public static WorkloadMetrics start() {
    return start(Duration.ofSeconds(1));
  }

  /**
   * Starts counting, reading each running workload's usage at most once per {@code
   * usageMaxAge} (however many meters and scrapes ask).
   *
   * @param usageMaxAge how old a usage reading may be; zero reads it on every call
   * @return the counts, registered with {@link Workload#observe(WorkloadObserver)}
   * @throws IllegalArgumentException for a negative age
   */
  public static WorkloadMetrics start(Duration usageMaxAge) {
    WorkloadMetrics m = new WorkloadMetrics(usageMaxAge);
    m.registration = Workload.observe(m);
    return m;
  }

  /**
   * Tells another observer of each start and end, after they are counted (a metrics module's
   * histogram and per-workload meters).
   *
   * @param observer the observer
   * @return its registration
   */
  public WorkloadObserver.Registration subscribe(WorkloadObserver observer) {
    subscribers.add(observer);
    return () -> subscribers.remove(observer);
  }

  @Override
  public void governed(GovernedWorkload workload, WorkloadReport.Mode mode,
      Constraints constraints, boolean recovered) {
    Key key = new Key(workload.jobId(), workload.pid());
    active.put(key, new Tracked(workload, mode, constraints, recovered));
    if (recovered) {
      this.recovered.increment();
    } else {
      started.get(mode).increment();
    }
    for (WorkloadObserver o : subscribers) {
      try {
        o.governed(workload, mode, constraints, recovered);
      } catch (RuntimeException e) {
        LOG.warn("metrics subscriber failed on the start of job {}: {}", workload.jobId(),
            e.toString());
      }
    }
  }

  @Override
  public void ended(WorkloadReport r) {
    Tracked t = active.remove(new Key(r.jobId(), r.pid()));
    // the totals never go down: a final usage the backend does not know (nice-fallback) or that
    // reads less than the last live reading counts as that reading
    Usage last = t == null ? Usage.UNKNOWN : t.usage;
    ended.get(r.exitReason()).increment();
    Integer code = r.exitCode();
    (code == null ? exitUnknown : code == 0 ? exitZero : exitNonZero).increment();
    (r.platformSlaCompliant() ? slaCompliant : slaViolation).increment();
    Usage u = r.usage();
    if (u.oomKills() != null) {
      oomKills.add(u.oomKills());
    } else if (r.exitReason() == ExitReason.OOM) {
      oomKills.increment();
    }
    endedCpuSec.add(Math.max(cpu(u), cpu(last)));
    endedThrottledSec.add(Math.max(throttled(u), throttled(last)));
    for (WorkloadObserver o : subscribers) {
      try {
        o.ended(r);
      } catch (RuntimeException e) {
        LOG.warn("metrics subscriber failed on the end of job {}: {}", r.jobId(), e.toString());
      }
    }
  }

  private static double throttled(Usage u) {
    return u.cpuThrottledSec() == null ? 0 : u.cpuThrottledSec();
  }

  private static double cpu(Usage u) {
    Double sec = u.cpuSec();
    return sec == null ? 0 : sec;
  }


  /**
   * Workloads started or attached by this JVM (not those it recovered).
   *
   * @param mode {@code RUN} or {@code ATTACH}
   * @return how many since {@link #start()}
   */
  public long started(WorkloadReport.Mode mode) {
    return started.get(mode).sum();
  }

  /**
   * Workloads this JVM took over from earlier ones.
   *
   * @return how many since {@link #start()}
   */
  public long recovered() {
    return recovered.sum();
  }

  /**
   * Workloads that ended (or were detached) with a reason.
   *
   * @param reason the report's exit reason
   * @return how many since {@link #start()}
   */
  public long ended(ExitReason reason) {
    return ended.get(reason).sum();
  }

  /**
   * Workloads that ended, all reasons.
   *
   * @return how many since {@link #start()}
   */
  public long ended() {
    return ended.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /**
   * Ended workloads by exit status, as the original wrapper counts them.
   *
   * @return {@code 0}, {@code non_zero} and {@code unknown} (an adopted process's status is
   *     never known, nor that of one detached) to their counts
   */
  public Map<String, Long> endedByExit() {
    return Map.of("0", exitZero.sum(), "non_zero", exitNonZero.sum(), "unknown",
        exitUnknown.sum());
  }

  /**
   * Ended workloads by the platform SLA.
   *
   * @param compliant which side
   * @return how many reports said {@code platform_sla_compliant} so (or not)
   */
  public long platformSla(boolean compliant) {
    return (compliant ? slaCompliant : slaViolation).sum();
  }

  /**
   * The share of ended workloads that were platform-SLA compliant.
   *
   * @return 0 to 1, or NaN before the first end
   */
  public double platformSlaRate() {
    long c = slaCompliant.sum();
    long all = c + slaViolation.sum();
    return all == 0 ? Double.NaN : (double) c / all;
  }

  /**
   * OOM kills in ended workloads (the kernel's counts where the backend reads them, else one per
   * report whose reason is {@code oom}).
   *
   * @return how many since {@link #start()}
   */
  public long oomKills() {
    return oomKills.sum();
  }

  /**
   * CPU time (user and system) of every workload since {@link #start()}: the ended ones' final
   * usage (or the last reading while it ran, where the backend reports none at the end) and the
   * running ones' usage now. It never goes down.
   *
   * @return seconds
   */
  public double cpuSeconds() {
    double sum = endedCpuSec.sum();
    for (Active a : active()) {
      sum += cpu(a.usage());
    }
    return sum;
  }

  /**
   * Throttled time (the CPU quota's) of every workload since {@link #start()}, ended and running.
   *
   * @return seconds
   */
  public double cpuThrottledSeconds() {
    double sum = endedThrottledSec.sum();
    for (Active a : active()) {
      sum += throttled(a.usage());
    }
    return sum;
  }

  /**
   * The running workloads, each with its usage (read at most once per {@code usageMaxAge}).
   *
   * @return a snapshot, in no particular order
   */
  public List<Active> active() {
    List<Active> out = new ArrayList<>(active.size());
    for (Tracked t : active.values()) {
      out.add(t.now());
    }
    return out;
  }

  /**
   * One running workload, with its usage (read at most once per {@code usageMaxAge}): for a
   * meter of its own.
   *
   * @param workload the workload
   * @return it, or empty once it ended (or before it was governed)
   */
  public java.util.Optional<Active> active(GovernedWorkload workload) {
    Tracked t = active.get(new Key(workload.jobId(), workload.pid()));
    return t == null ? java.util.Optional.empty() : java.util.Optional.of(t.now());
  }

  /**
   * How many workloads run now.
   *
   * @return the count
   */
  public int activeCount() {
    return active.size();
  }

  /**
   * How old a usage reading of {@link #active()} may be.
   *
   * @return {@code usageMaxAge}
   */
  public Duration usageMaxAge() {
    return usageMaxAge;
  }

  /** Stops counting (what was counted stays readable). */
  @Override
  public void close() {
    WorkloadObserver.Registration r = registration;
    if (r != null) {
      r.close();
    }
  }
}
