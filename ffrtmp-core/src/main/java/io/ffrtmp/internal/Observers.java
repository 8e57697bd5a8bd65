package io.ffrtmp.internal;

import io.ffrtmp.Constraints;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.WorkloadObserver;
import io.ffrtmp.WorkloadReport;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The JVM's {@link WorkloadObserver}s, told by the lifecycle, isolated from it. */
public final class Observers {
  private static final Logger LOG = LoggerFactory.getLogger(Observers.class);
  private static final List<WorkloadObserver> OBSERVERS = new CopyOnWriteArrayList<>();

  private Observers() {}

  /**
   * Registers an observer.
   *
   * @param observer the observer
   * @return its registration
   */
  public static WorkloadObserver.Registration add(WorkloadObserver observer) {
    // a wrapper per registration: the same observer registered twice is told twice, and each
    // registration removes its own
    WorkloadObserver own = new WorkloadObserver() {
      @Override
      public void governed(GovernedWorkload w, WorkloadReport.Mode m, Constraints c, boolean r) {
        observer.governed(w, m, c, r);
      }

      @Override
      public void ended(WorkloadReport report) {
        observer.ended(report);
      }
    };
    OBSERVERS.add(own);
    return () -> OBSERVERS.remove(own);
  }

  static void governed(GovernedWorkload w, WorkloadReport.Mode mode, Constraints constraints,
      boolean recovered) {
    tell("governed", w.jobId(), o -> o.governed(w, mode, constraints, recovered));
  }

  static void ended(WorkloadReport report) {
    tell("ended", report.jobId(), o -> o.ended(report));
  }

  private static void tell(String what, String jobId, Consumer<WorkloadObserver> call) {
    for (WorkloadObserver o : OBSERVERS) {
      try {
        call.accept(o);
      } catch (RuntimeException | Error e) {
        LOG.warn("workload observer failed on {} of job {}: {}", what, jobId, e.toString());
      }
    }
  }
}
