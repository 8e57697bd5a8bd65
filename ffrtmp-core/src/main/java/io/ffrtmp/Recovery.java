package io.ffrtmp;

import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The records of one agent's workloads (or the default records), to take over what earlier
 * JVMs left: {@link Workload#recovery()} for the default, {@link Workload#recovery(String)} for
 * an agent that started its workloads {@link GovernanceBuilder#withAgent(String) withAgent}.
 *
 * <p>Each workload is taken over by exactly one JVM, however many recover at once: claiming
 * a record is atomic and re-checked under a lock, and a record whose governing JVM (pid and
 * start time) lives is never taken. A record is deleted only once its report was delivered
 * (every listener and every dependent of {@link GovernedWorkload#onExit()} returned), so a
 * JVM killed before that leaves it to be recovered again. A workload that had already ended is
 * reported at once, possibly before {@code recover()} returns: a dependent registered after
 * that may run after its records went, so an agent that must not lose such a result recovers
 * through {@link #withAcknowledgement()} (or started its workloads {@link
 * GovernanceBuilder#withAcknowledgement() withAcknowledgement()}: the flag is recorded) and
 * calls {@link GovernedWorkload#acknowledge()} once it has kept the report. Records that are not to be trusted —
 * another user's, a link, larger than a megabyte, corrupt, or naming a cgroup ffrtmp does not
 * create — are refused; {@link #warnings()} names each, and they are logged.
 */
public interface Recovery {
  /**
   * The agent, or null for the default records.
   *
   * @return the agent's name
   */
  @Nullable String agent();

  /**
   * Where these records are: the state directory, or an agent's directory in it.
   *
   * @return the directory, or empty when this JVM has none (then {@link #warnings()} after a
   *     call says why)
   */
  Optional<java.nio.file.Path> directory();

  /**
   * Takes over every unreported workload of these records: running ones, and ones that ended
   * while no JVM governed them. See {@link Workload#recover()}.
   *
   * @return the recovered workloads
   */
  List<GovernedWorkload> recover();

  /**
   * Like {@link #recover()}, for one job id.
   *
   * @param jobId the job id as given when it was started
   * @return the recovered workloads of that job id (usually one)
   */
  List<GovernedWorkload> recover(String jobId);

  /**
   * What {@link #recover()} would find, without taking anything over, and the workloads that
   * running JVMs govern. Costs one read per record; no process is searched for.
   *
   * @return one entry per start record, oldest first
   */
  List<Recoverable> list();

  /**
   * Changes the constraints of the running workloads of a job, whichever process governs them
   * (this JVM, another one, or none): through their records, as {@link GovernedWorkload#update}
   * does it — the same writes, read-back and put-back — and kept with the records, so that the
   * governing JVM's report lists the update. This is {@code ffrtmp update}. Nothing is claimed:
   * the workloads stay with their governors.
   *
   * @param jobId the job id
   * @param changes sets the constraints to change (at least one)
   * @param strict whether a change not in force puts every change back (then the update's
   *     entries say so; nothing is thrown)
   * @return one update per running workload of the job (none when there is none: {@link
   *     #warnings()} says why where a record was found)
   * @throws IllegalArgumentException when no constraint is changed, or for a value out of range
   */
  List<WorkloadUpdate> update(String jobId,
      java.util.function.Consumer<ConstraintChanges> changes, boolean strict);

  /**
   * The usage now of the running workloads of these records — of one job, or all — whichever
   * process governs them, read from their cgroups as {@link GovernedWorkload#usage()} reads it.
   * This is {@code ffrtmp stats}. Nothing is claimed.
   *
   * @param jobId only this job id, or null for every running workload
   * @return one entry per running workload, oldest first
   */
  List<WorkloadUsage> usage(@org.jspecify.annotations.Nullable String jobId);

  /**
   * The same records, recovered so that each workload's records stay after its report was
   * delivered until {@link GovernedWorkload#acknowledge()}, whether or not it was started
   * {@link GovernanceBuilder#withAcknowledgement() withAcknowledgement()}: for an agent (or a
   * command such as {@code ffrtmp wait}) that must have kept a report before it may go — one
   * killed in between gets it again from the next recovery.
   *
   * @return a view of the same records that recovers so
   */
  Recovery withAcknowledgement();

  /**
   * What the last {@link #recover()}, {@link #recover(String)} or {@link #list()} of this
   * object refused or could not do: one line per record refused (naming its file and why), or
   * why there are no records to read.
   *
   * @return the lines; empty when all was well
   */
  List<String> warnings();
}
