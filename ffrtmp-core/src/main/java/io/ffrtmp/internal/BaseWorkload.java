package io.ffrtmp.internal;

import io.ffrtmp.Enforcement;
import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.WorkloadEvent;
import io.ffrtmp.WorkloadListener;
import io.ffrtmp.WorkloadReport;
import io.ffrtmp.spi.Governance;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What run-mode and attach-mode workloads share: identity, governance, the report's future. */
abstract class BaseWorkload implements GovernedWorkload {
  private static final Logger LOG = LoggerFactory.getLogger(BaseWorkload.class);

  final String jobId;
  final String strategy;
  final Governance governance;
  final List<Enforcement> enforcement;
  final List<String> warnings;
  final CompletableFuture<WorkloadReport> report = new CompletableFuture<>();

  BaseWorkload(String jobId, String strategy, Governance governance,
      List<Enforcement> enforcement, List<String> warnings) {
    this.jobId = jobId;
    this.strategy = strategy;
    this.governance = governance;
    this.enforcement = List.copyOf(enforcement);
    this.warnings = List.copyOf(warnings);
  }

  /** Delivers an event to each listener; a listener's exception is logged and ignored. */
  static void fire(List<WorkloadListener> listeners, WorkloadEvent event) {
    for (WorkloadListener l : listeners) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        LOG.warn("workload listener failed on {}: {}", event.type(), e.toString());
      }
    }
  }

  @Override
  public String jobId() {
    return jobId;
  }

  @Override
  public String strategy() {
    return strategy;
  }

  @Override
  public Optional<String> cgroupPath() {
    return Optional.ofNullable(governance.cgroupPath());
  }

  @Override
  public List<Enforcement> enforcement() {
    return enforcement;
  }

  @Override
  public List<String> warnings() {
    return warnings;
  }

  @Override
  public CompletableFuture<WorkloadReport> onExit() {
    return report.copy();
  }

  @Override
  public WorkloadReport awaitReport() throws InterruptedException {
    try {
      return report.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("building the report failed", e.getCause());
    }
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[job=" + jobId + ", pid=" + pid() + ", strategy="
        + strategy + "]";
  }
}
