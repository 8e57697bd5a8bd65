package io.ffrtmp.internal;

import io.ffrtmp.GovernedWorkload;
import io.ffrtmp.Recoverable;
import io.ffrtmp.Recovery;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** {@link Recovery} over {@link RecoveredWorkload}. */
public final class RecoveryImpl implements Recovery {
  private final @Nullable String agent;
  private final boolean acknowledged;
  private volatile List<String> warnings = List.of();

  /**
   * A view of one agent's records.
   *
   * @param agent the agent (checked), or null for the default records
   */
  public RecoveryImpl(@Nullable String agent) {
    this(agent, false);
  }

  private RecoveryImpl(@Nullable String agent, boolean acknowledged) {
    this.agent = agent;
    this.acknowledged = acknowledged;
  }

  @Override
  public List<io.ffrtmp.WorkloadUpdate> update(String jobId,
      java.util.function.Consumer<io.ffrtmp.ConstraintChanges> changes, boolean strict) {
    Objects.requireNonNull(jobId, "jobId");
    io.ffrtmp.ConstraintChanges c = new io.ffrtmp.ConstraintChanges();
    Objects.requireNonNull(changes, "changes").accept(c);
    if (c.isEmpty()) {
      throw new IllegalArgumentException("update: no constraint to change was given");
    }
    List<String> w = new ArrayList<>();
    List<io.ffrtmp.WorkloadUpdate> out = RecoveredWorkload.update(agent, jobId, c, strict, w);
    warnings = List.copyOf(w);
    return out;
  }

  @Override
  public List<io.ffrtmp.WorkloadUsage> usage(@Nullable String jobId) {
    List<String> w = new ArrayList<>();
    List<io.ffrtmp.WorkloadUsage> out = RecoveredWorkload.usage(agent, jobId, w);
    warnings = List.copyOf(w);
    return out;
  }

  @Override
  public Recovery withAcknowledgement() {
    return new RecoveryImpl(agent, true);
  }

  @Override
  public @Nullable String agent() {
    return agent;
  }

  @Override
  public java.util.Optional<java.nio.file.Path> directory() {
    return RecoveredWorkload.stateDir(agent, new ArrayList<>())
        .map(io.ffrtmp.internal.keeper.StateDir::path);
  }

  @Override
  public List<GovernedWorkload> recover() {
    List<String> w = new ArrayList<>();
    List<GovernedWorkload> out = RecoveredWorkload.recover(agent, null, w, acknowledged);
    warnings = List.copyOf(w);
    return out;
  }

  @Override
  public List<GovernedWorkload> recover(String jobId) {
    Objects.requireNonNull(jobId, "jobId");
    List<String> w = new ArrayList<>();
    List<GovernedWorkload> out = RecoveredWorkload.recover(agent, jobId, w, acknowledged);
    warnings = List.copyOf(w);
    return out;
  }

  @Override
  public List<Recoverable> list() {
    List<String> w = new ArrayList<>();
    List<Recoverable> out = RecoveredWorkload.list(agent, w);
    warnings = List.copyOf(w);
    return out;
  }

  @Override
  public List<String> warnings() {
    return warnings;
  }
}
