package io.ffrtmp.internal;

import io.ffrtmp.Constraint;
import io.ffrtmp.Enforcement;
import io.ffrtmp.EnforcementStatus;
import io.ffrtmp.internal.os.ProcFs;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Plans nice and oom_score_adj, the process attributes every backend applies. Pure: the
 * privileges and inherited values are parameters, so the rules are unit-tested; {@link
 * #ofThisProcess()} reads them from {@code /proc}.
 *
 * @param canLowerNice CAP_SYS_NICE, or RLIMIT_NICE allowing the value
 * @param lowestNiceByRlimit the lowest nice RLIMIT_NICE allows without the capability
 * @param canLowerOom CAP_SYS_RESOURCE
 * @param inheritedNice the nice the workload would inherit (the launching thread's)
 * @param inheritedOom the oom_score_adj the workload would inherit (the JVM's)
 */
public record ProcessAttributes(
    boolean canLowerNice,
    int lowestNiceByRlimit,
    boolean canLowerOom,
    int inheritedNice,
    int inheritedOom) {

  /** The guide's warning for a negative nice without privilege. */
  public static final String NICE_WARNING = "Cannot set negative nice (requires root), using 0";

  /** The warning for a negative OOM score without privilege. */
  public static final String OOM_WARNING =
      "Cannot set negative OOM score (requires root), using 0";

  /**
   * The plan for one workload.
   *
   * @param niceArg the nice value for the launch shim, or null to inherit
   * @param oomArg the oom_score_adj for the launch shim, or null to inherit
   * @param enforcement entries for {@code nice} and {@code oom_score}
   * @param warnings the degradation warnings, in the guide's words
   */
  public record Plan(
      @Nullable Integer niceArg,
      @Nullable Integer oomArg,
      List<Enforcement> enforcement,
      List<String> warnings) {

    /**
     * The enforcement entries that are not in force.
     *
     * @return degraded or failed entries
     */
    public List<Enforcement> unenforced() {
      return enforcement.stream()
          .filter(e -> !e.enforced())
          .toList();
    }
  }

  /**
   * The privileges and inherited values of this process. Capabilities, RLIMIT_NICE and the
   * JVM's own OOM score are read once per JVM (they do not change under a running JVM in
   * practice); the launching thread's nice value is read at every call.
   *
   * @return the attributes
   */
  public static ProcessAttributes ofThisProcess() {
    ProcessAttributes p = Jvm.ATTRIBUTES;
    return new ProcessAttributes(
        p.canLowerNice(),
        p.lowestNiceByRlimit(),
        p.canLowerOom(),
        (int) ProcFs.currentThreadNice().orElse(0),
        p.inheritedOom());
  }

  private static final class Jvm {
    static final ProcessAttributes ATTRIBUTES =
        new ProcessAttributes(
            ProcFs.hasCapability(ProcFs.CAP_SYS_NICE),
            ProcFs.lowestNiceByRlimit(),
            ProcFs.hasCapability(ProcFs.CAP_SYS_RESOURCE),
            0,
            (int) ProcFs.ownOomScoreAdj().orElse(0));
  }

  /**
   * Plans nice {@code nice} and OOM score {@code oom}. Nothing requested, nothing changed: a
   * value that was not requested (null) is left as the workload inherits it, and recorded
   * {@code skipped}.
   *
   * @param nice the requested nice, -20..19, or null when not requested
   * @param oom the requested oom_score_adj, -1000..1000, or null when not requested
   * @return the plan
   */
  public Plan plan(@Nullable Integer nice, @Nullable Integer oom) {
    List<Enforcement> out = new ArrayList<>(2);
    List<String> warnings = new ArrayList<>(2);
    Integer niceArg;
    if (nice == null) {
      niceArg = null;
      out.add(new Enforcement(Constraint.NICE, EnforcementStatus.SKIPPED, "setpriority",
          "not requested: inherits " + inheritedNice));
    } else if (nice == inheritedNice) {
      niceArg = null;
      out.add(applied(Constraint.NICE, "setpriority", nice + " (inherited)"));
    } else if (nice >= inheritedNice || canLowerNice || nice >= lowestNiceByRlimit) {
      niceArg = nice;
      out.add(applied(Constraint.NICE, "setpriority", String.valueOf(nice)));
    } else if (nice < 0) {
      niceArg = inheritedNice > 0 ? null : 0;
      int used = Math.max(0, inheritedNice);
      warnings.add(NICE_WARNING);
      out.add(degraded(Constraint.NICE, "setpriority", "requires root (CAP_SYS_NICE); using " + used));
    } else {
      niceArg = null;
      String w =
          "Cannot lower nice from "
              + inheritedNice
              + " to "
              + nice
              + " (requires root), using "
              + inheritedNice;
      warnings.add(w);
      out.add(degraded(Constraint.NICE, "setpriority", w));
    }
    Integer oomArg;
    if (oom == null) {
      oomArg = null;
      out.add(new Enforcement(Constraint.OOM_SCORE, EnforcementStatus.SKIPPED, "oom_score_adj",
          "not requested: inherits " + inheritedOom));
    } else if (oom == inheritedOom) {
      oomArg = null;
      out.add(applied(Constraint.OOM_SCORE, "oom_score_adj", oom + " (inherited)"));
    } else if (oom >= 0 || canLowerOom) {
      oomArg = oom;
      out.add(applied(Constraint.OOM_SCORE, "oom_score_adj", String.valueOf(oom)));
    } else {
      oomArg = inheritedOom > 0 ? null : 0;
      warnings.add(OOM_WARNING);
      out.add(
          degraded(
              Constraint.OOM_SCORE,
              "oom_score_adj",
              "requires root (CAP_SYS_RESOURCE); using " + Math.max(0, inheritedOom)));
    }
    return new Plan(niceArg, oomArg, List.copyOf(out), List.copyOf(warnings));
  }

  private static Enforcement applied(Constraint c, String m, String d) {
    return new Enforcement(c, EnforcementStatus.APPLIED, m, d);
  }

  private static Enforcement degraded(Constraint c, String m, String d) {
    return new Enforcement(c, EnforcementStatus.DEGRADED, m, d);
  }
}
