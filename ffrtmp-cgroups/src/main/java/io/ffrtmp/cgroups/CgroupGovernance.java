package io.ffrtmp.cgroups;

import io.ffrtmp.Constraint;
import io.ffrtmp.ConstraintChanges;
import io.ffrtmp.Constraints;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.Usage;
import io.ffrtmp.spi.Governance;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the cgroup backends' {@link Governance}s share: writing the limits of a {@link
 * LimitTable} with read-back and reset on failure, the resulting enforcement entries and
 * warnings, and removal. A backend supplies where each controller's files are ({@link
 * #dirOf(String)}) and which directories make up the workload's cgroup ({@link #dirs()}).
 *
 * <p>The sequence, written once for every cgroup backend ({@link #applyLimits(Constraints)}):
 * for each cgroup constraint in {@link Constraint} order, skipped when not requested;
 * otherwise the rule's alternative is chosen, each of its writes is made and read back, a
 * write that does not take is reset to the kernel's default and recorded {@code failed}; a
 * constraint no alternative can carry is {@code degraded}. Should anything throw, the cgroup is
 * removed again before the exception propagates. Strict mode is the core's: it refuses a start
 * whose enforcement has an entry not in force.
 */
public abstract class CgroupGovernance implements Governance {
  /** The cgroupfs every access goes through. */
  protected final CgroupFs fs;

  private final LimitTable table;
  private final List<String> warnings = new ArrayList<>();
  private List<Enforcement> enforcement = List.of();

  /**
   * A governance over a cgroupfs with a backend's mapping table.
   *
   * @param fs the cgroupfs
   * @param table the backend's mapping of constraints to control files
   */
  protected CgroupGovernance(CgroupFs fs, LimitTable table) {
    this.fs = fs;
    this.table = table;
  }

  /**
   * The directory holding a controller's files in this workload's cgroup.
   *
   * @param controller e.g. {@code cpu}
   * @return the directory, or null when that controller's hierarchy is not mounted
   */
  protected abstract @Nullable Path dirOf(String controller);

  /**
   * The workload's cgroup directories, each once, children before parents.
   *
   * @return the directories
   */
  protected abstract List<Path> dirs();

  /**
   * Why a write, although its file exists and takes the value, would have no effect on this
   * host (an IO weight without a scheduler that honours it), or null when it takes effect. Such
   * a constraint is recorded {@code degraded} with the reason, and nothing is written.
   *
   * @param write the write about to be made
   * @return null, or the reason
   */
  protected @Nullable String ineffective(ControlWrite write) {
    return null;
  }

  /**
   * Called after the limits were written, e.g. for cgroup v2's {@code memory.oom.group}.
   *
   * @param constraints the constraints
   * @param entries the enforcement entries just made
   */
  protected void afterLimits(Constraints constraints, List<Enforcement> entries) {}

  /**
   * Writes one control file of a limit: every write of the start and of an update, the put
   * back after a refusal included, goes through here. A backend overrides it to say more about
   * a refusal than the kernel's errno does (a {@link CgroupFsException} with a longer reason).
   *
   * @param write the rule's write
   * @param file the control file
   * @param value what to write
   * @throws IOException when the kernel refuses it
   */
  protected void writeControl(ControlWrite write, Path file, String value) throws IOException {
    write.writeTo(fs, file, value);
  }

  /**
   * The kernel's counters, read through {@code from}: the cgroupfs itself, or the launch
   * keeper's copy over it.
   *
   * @param from where the control files are read
   * @return the usage
   */
  protected abstract Usage usage(CgroupFs from);

  @Override
  public final Usage usage() {
    return usage(fs);
  }

  /**
   * From the keeper's copy, taken when the workload ended (files it could not read come from
   * the cgroup): the workload's own counters, without the keeper's last moments, and not one
   * control file opened on the report's path.
   */
  @Override
  public final Usage usage(Map<String, String> finalCounters) {
    return usage(finalCounters.isEmpty() ? fs : new RecordedFs(fs, finalCounters));
  }

  /**
   * Writes every requested limit and reads it back; on an exception removes the cgroup and
   * rethrows.
   *
   * @param constraints the requested constraints
   * @return one entry per cgroup constraint, in {@link Constraint} order
   */
  public final List<Enforcement> applyLimits(Constraints constraints) {
    try {
      List<Enforcement> out = new ArrayList<>(4);
      for (Constraint c : Constraint.values()) {
        if (c.isCgroupConstraint()) {
          out.add(apply(table.rule(c), constraints));
        }
      }
      afterLimits(constraints, out);
      warnings.addAll(ControlFiles.warnings(out));
      enforcement = List.copyOf(out);
      return enforcement;
    } catch (RuntimeException | Error e) {
      release();
      throw e;
    }
  }

  private Enforcement apply(LimitRule rule, Constraints constraints) {
    Constraint c = rule.constraint();
    if (!constraints.isRequested(c)) {
      return new Enforcement(c, EnforcementStatus.SKIPPED, rule.mechanism(),
          c.defaultMeaning());
    }
    Choice choice = choose(rule);
    if (choice.writes() == null) {
      return java.util.Objects.requireNonNull(choice.refusal());
    }
    Enforcement result = null;
    for (ControlWrite w : choice.writes()) {
      String content = w.content(constraints, c);
      result = ControlFiles.write(fs, (f, v) -> writeControl(w, f, v), c, file(w), content,
          w.kernelDefault(), back -> w.accepted(back, content));
      if (result.status() != EnforcementStatus.APPLIED) {
        break;
      }
    }
    Enforcement r = java.util.Objects.requireNonNull(result);
    if (r.status() == EnforcementStatus.APPLIED && choice.writes().size() > 1
        && choice.writes().stream().allMatch(w -> w.ioKey() >= 0)) {
      // cgroup v1's four files of io limits: the entry names them all, not the last
      r = new Enforcement(r.constraint(), r.status(), rule.mechanism(), r.detail());
    }
    return r;
  }

  /**
   * The alternative of a rule that this cgroup can carry, or the entry saying why none can.
   *
   * @param writes the writes to make, or null
   * @param refusal the {@code degraded} entry when there are none
   */
  private record Choice(@Nullable List<ControlWrite> writes, @Nullable Enforcement refusal) {}

  private Choice choose(LimitRule rule) {
    Constraint c = rule.constraint();
    if (rule.alternatives().isEmpty()) {
      return new Choice(null, new Enforcement(c, EnforcementStatus.DEGRADED,
          rule.mechanism(), String.valueOf(rule.unavailable())));
    }
    boolean anyMounted = false;
    ControlWrite missing = null;
    Enforcement ineffective = null;
    for (List<ControlWrite> alternative : rule.alternatives()) {
      boolean mounted = alternative.stream().allMatch(w -> dirOf(w.controller()) != null);
      anyMounted |= mounted;
      ControlWrite absent = !mounted ? null
          : alternative.stream().filter(w -> !fs.exists(file(w))).findFirst().orElse(null);
      if (missing == null) {
        missing = absent;
      }
      if (mounted && absent == null) {
        String why = null;
        ControlWrite which = alternative.get(0);
        for (ControlWrite w : alternative) {
          why = ineffective(w);
          which = w;
          if (why != null) {
            break;
          }
        }
        if (why == null) {
          return new Choice(alternative, null);
        }
        if (ineffective == null) {
          ineffective = new Enforcement(c, EnforcementStatus.DEGRADED, which.file(), why);
        }
      }
    }
    if (ineffective != null) {
      return new Choice(null, ineffective);
    }
    String why;
    String unavailable = rule.unavailable();
    if (!anyMounted) {
      String controller = rule.alternatives().get(0).get(0).controller();
      why = "the workload's cgroups are in no " + controller + " hierarchy (none is mounted, or"
          + " the workload did not join it: a launched workload joins blkio, pids and cpuset"
          + " only when started with a constraint they carry)";
    } else if (unavailable != null) {
      why = unavailable;
    } else {
      ControlWrite m = java.util.Objects.requireNonNull(missing);
      why = "the workload's cgroup has no " + m.file() + ": the " + m.controller()
          + " controller is not enabled for it";
    }
    return new Choice(null, new Enforcement(c, EnforcementStatus.DEGRADED,
        rule.mechanism(), why));
  }

  /**
   * The bytes of memory the workload's cgroup uses now ({@code memory.current}, {@code
   * memory.usage_in_bytes}), or null when unknown: a memory limit below it is refused unless
   * allowed.
   *
   * @return the bytes, or null
   */
  protected @Nullable Long memoryInUse() {
    return null;
  }

  /** A file's content before an update changed it, and how the file is written. */
  private record Previous(Path file, String content, ControlFiles.Writer writer) {}

  /**
   * Changes the cgroup constraints among {@code changes} as {@link Governance#update} says:
   * the same choice of files as at the start, each write read back, a write that does not take
   * put back to the previous value; in strict mode every change is put back when one is not in
   * force.
   */
  @Override
  public final synchronized List<Enforcement> update(ConstraintChanges changes, boolean strict) {
    List<Enforcement> out = new ArrayList<>();
    List<Previous> changed = new ArrayList<>();
    List<Integer> appliedAt = new ArrayList<>();
    for (Map.Entry<Constraint, String> e : changes.requested().entrySet()) {
      Constraint c = e.getKey();
      if (!c.isCgroupConstraint()) {
        continue;
      }
      LimitRule rule = table.rule(c);
      Choice choice = choose(rule);
      if (choice.writes() == null) {
        out.add(java.util.Objects.requireNonNull(choice.refusal()));
        continue;
      }
      String text = e.getValue();
      long value = c.isText() ? 0 : Long.parseLong(text);
      boolean lift = c.isDefault(text);
      if (c == Constraint.MEMORY_LIMIT_MB && !lift && !changes.memoryBelowUsageAllowed()) {
        Long used = memoryInUse();
        long bytes = value * 1048576L;
        if (used != null && used > bytes) {
          out.add(new Enforcement(c, EnforcementStatus.FAILED,
              choice.writes().get(choice.writes().size() - 1).file(), "not lowered: the"
                  + " workload uses " + used + " bytes, more than the new limit of " + bytes
                  + " (the kernel would reclaim or OOM-kill it; allowMemoryBelowUsage, or"
                  + " --memory-below-usage, lets it)"));
          continue;
        }
      }
      Enforcement result = null;
      List<Previous> mine = new ArrayList<>();
      for (ControlWrite w : choice.writes()) {
        Path f = file(w);
        String before = ControlFiles.readText(fs, f);
        String previous = before == null ? w.kernelDefault() : w.restorable(before);
        String content = lift ? liftContent(w) : c.isText() ? text : w.content(value);
        ControlFiles.Writer writer = (file, v) -> writeControl(w, file, v);
        result = ControlFiles.change(fs, writer, c, f, content, previous,
            back -> lift && content.equals(w.kernelDefault()) ? w.acceptedDefault(back)
                : w.accepted(back, content));
        if (result.status() != EnforcementStatus.APPLIED) {
          break;
        }
        mine.add(new Previous(f, previous, writer));
      }
      Enforcement r = java.util.Objects.requireNonNull(result);
      if (r.status() == EnforcementStatus.APPLIED) {
        changed.addAll(mine);
        appliedAt.add(out.size());
        out.add(lift ? r.with(EnforcementStatus.APPLIED, r.detail().isEmpty()
            ? "lifted: " + c.defaultMeaning()
            : r.detail() + " (lifted: " + c.defaultMeaning() + ")") : r);
      } else {
        // an earlier write of the same constraint (v1's period) goes back too
        for (int i = mine.size() - 1; i >= 0; i--) {
          ControlFiles.putBack(mine.get(i).writer(), mine.get(i).file(), mine.get(i).content());
        }
        out.add(r);
      }
    }
    if (strict && out.stream().anyMatch(x -> !x.enforced())) {
      for (int i = changed.size() - 1; i >= 0; i--) {
        ControlFiles.putBack(changed.get(i).writer(), changed.get(i).file(),
            changed.get(i).content());
      }
      for (int i : appliedAt) {
        Enforcement a = out.get(i);
        out.set(i, a.with(EnforcementStatus.FAILED, Governance.NOT_CHANGED));
      }
    }
    return List.copyOf(out);
  }

  /**
   * What lifting a constraint writes: the kernel's default, as in a new cgroup; a backend
   * whose default cannot be written back to a populated cgroup (an empty cpuset: {@code
   * ENOSPC}) says what stands for it.
   *
   * @param write the write
   * @return the content
   */
  protected String liftContent(ControlWrite write) {
    return write.kernelDefault();
  }

  private Path file(ControlWrite w) {
    Path dir = dirOf(w.controller());
    if (dir == null) {
      throw new IllegalStateException("no " + w.controller() + " hierarchy for " + w.file());
    }
    return dir.resolve(w.file());
  }

  /**
   * Records a warning of this workload's preparation.
   *
   * @param warning the text
   */
  protected final void warn(String warning) {
    warnings.add(warning);
  }

  @Override
  public final List<Enforcement> enforcement() {
    return enforcement;
  }

  @Override
  public final List<String> warnings() {
    return List.copyOf(warnings);
  }

  /** The pids in {@code cgroup.procs} of the workload's (first) cgroup directory. */
  @Override
  public List<Long> members() {
    return ControlFiles.pids(fs, dirs().get(0).resolve("cgroup.procs"));
  }

  @Override
  public List<String> release() {
    return CgroupRemoval.removeOrDefer(fs, dirs());
  }
}
