package io.ffrtmp;

import java.io.IOException;

/**
 * The settings shared by {@link WorkloadBuilder} (run mode) and {@link AttachBuilder} (attach
 * mode). Each setter checks its argument at once ({@link NullPointerException} for null, {@link
 * IllegalArgumentException} naming the parameter, the value and the allowed range otherwise) and
 * returns this builder. Values are never clamped.
 *
 * @param <B> the builder's own type
 */
public interface GovernanceBuilder<B extends GovernanceBuilder<B>> {
  /**
   * Sets the job id, used in the report and in the cgroup name {@code ffrtmp-wrapper-<id>}. Any
   * non-empty text is accepted; it is made safe for the cgroup name, and the report keeps it as
   * given. Without one the job id is {@code unknown}.
   *
   * @param jobId the job id
   * @return this builder
   * @throws IllegalArgumentException for an empty job id (a caller's bug more often than a
   *     choice: it said which job, and gave nothing)
   */
  B withJobId(String jobId);

  /**
   * Marks the workload as SLA-worthy (default false).
   *
   * @param eligible whether it is
   * @return this builder
   */
  B slaEligible(boolean eligible);

  /**
   * Declares why the workload runs (default {@link Intent#PRODUCTION}).
   *
   * @param intent the intent
   * @return this builder
   */
  B withIntent(Intent intent);

  /**
   * Limits CPU time, in percent of one core: 100 = one core, 250 = two and a half; 0 =
   * unlimited (default). Range 0..102400.
   *
   * @param percent the quota
   * @return this builder
   */
  B withCpuQuota(int percent);

  /**
   * Sets the relative CPU weight, 1..10000 (default 100).
   *
   * @param weight the weight
   * @return this builder
   */
  B withCpuWeight(int weight);

  /**
   * Sets the nice value, -20..19. Without it the workload keeps the nice it inherits (a run-mode
   * workload the JVM's, an adopted process its own): only a value given is applied. A value below
   * the inherited one needs root (CAP_SYS_NICE); without it it degrades to the inherited value
   * with a warning, or refuses to start in strict mode.
   *
   * @param nice the nice value
   * @return this builder
   */
  B withNice(int nice);

  /**
   * Limits memory, in MiB (1 MiB = 1048576 bytes); 0 = unlimited (default).
   *
   * @param mebibytes the limit
   * @return this builder
   */
  B withMemoryLimitMb(long mebibytes);

  /**
   * Sets the IO weight in percent, 0..100; 0 = unset (default).
   *
   * @param percent the weight
   * @return this builder
   */
  B withIoWeight(int percent);

  /**
   * Sets the OOM score adjustment, -1000..1000. Without it the workload keeps the score it
   * inherits: only a value given is applied. Negative values need root (CAP_SYS_RESOURCE);
   * without it they degrade to 0 with a warning, or refuse to start in strict mode.
   *
   * @param score the adjustment
   * @return this builder
   */
  B withOomScore(int score);

  /**
   * Sets a memory high (soft) limit, in MiB; 0 = unlimited (default). Above it the kernel
   * throttles the workload and reclaims its memory rather than killing it; set it below {@link
   * #withMemoryLimitMb(long)} to get reclaim before the OOM killer. cgroup v2 and systemd only
   * (degraded on cgroup v1).
   *
   * @param mebibytes the limit
   * @return this builder
   */
  B withMemoryHighMb(long mebibytes);

  /**
   * Limits swap, in MiB: 0 = no swap at all, -1 = unlimited (default). With a memory limit
   * and {@code 0} the memory limit is a real limit (nothing overflows to swap). cgroup v2 and
   * systemd only (degraded on cgroup v1, which limits memory and swap only together).
   *
   * @param mebibytes the limit
   * @return this builder
   */
  B withSwapMaxMb(long mebibytes);

  /**
   * Limits the processes and threads the workload may have at once, 1..4194304; 0 = unlimited
   * (default). A fork beyond it fails with {@code EAGAIN} (a fork bomb stays contained); the
   * report counts the refused forks ({@link Usage#pidsLimitHits()}).
   *
   * @param count the limit
   * @return this builder
   */
  B withPidsMax(int count);

  /**
   * Confines the workload to CPUs, a list such as {@code 0-3,8}; empty = all of its parent's
   * (default). A CPU the workload's parent may not use is refused by the kernel ({@code failed},
   * the default put back). cgroup v2 and v1 {@code cpuset.cpus}, systemd {@code AllowedCPUs}.
   *
   * @param list the CPUs
   * @return this builder
   */
  B withCpus(String list);

  /**
   * Confines the workload's memory to NUMA nodes, a list such as {@code 0}; empty = all of its
   * parent's (default). cgroup v2 and v1 {@code cpuset.mems}, systemd {@code
   * AllowedMemoryNodes}.
   *
   * @param list the memory nodes
   * @return this builder
   */
  B withMemoryNodes(String list);

  /**
   * Sets block IO limits per device: bytes and operations per second, read and written (cgroup
   * v2 {@code io.max}, v1 {@code blkio.throttle.*}, systemd {@code IO*BandwidthMax} and {@code
   * IO*IOPSMax}). On cgroup v1 only direct IO is throttled (buffered writes are written back
   * by the kernel, outside the workload's cgroup).
   *
   * @param limits e.g. {@code /dev/sda wbps=10M; 8:16 riops=100} ({@link IoLimits#parse(String)}
   *     says the form); empty = none
   * @return this builder
   * @throws IllegalArgumentException naming the entry and what is wrong with it
   */
  B withIoMax(String limits);

  /**
   * Sets every constraint at once from a value, e.g. a per-job-class template built with
   * {@link Constraints#builder()}; setters called afterwards change single values.
   *
   * @param constraints the constraints
   * @return this builder
   */
  B withConstraints(Constraints constraints);

  /**
   * Strict mode: refuse to start (with {@link EnforcementException}) when a requested
   * constraint cannot be enforced, instead of degrading with a warning.
   *
   * @return this builder
   */
  B requireEnforcement();

  /**
   * Forces a backend by name ({@code systemd}, {@code cgroup-v2}, {@code cgroup-v1}, {@code
   * nice-fallback}),
   * overriding the {@systemProperty ffrtmp.strategy} system property and automatic selection.
   *
   * @param name the backend's name
   * @return this builder
   * @throws IllegalArgumentException when no backend of that name is installed (the message
   *     lists those that are); whether it is usable here is checked at {@code start()}
   */
  B withStrategy(String name);

  /**
   * Sets the parent cgroup under which the workload's cgroup is created, as a path relative to
   * the hierarchy root (e.g. {@code /ffrtmp.slice}); overrides the {@systemProperty
   * ffrtmp.cgroup.parent} system property and the backend's default rule.
   *
   * @param parent the parent cgroup: absolute, without empty, {@code .} or {@code ..} segments
   *     (so it cannot resolve outside the hierarchy), each segment at most 255 bytes; the same
   *     rule applies to the system property, checked at {@code start()}
   * @return this builder
   * @throws IllegalArgumentException for a path breaking that rule, naming it
   */
  B withCgroupParent(String parent);

  /**
   * Adds a lifecycle listener.
   *
   * @param listener the listener
   * @return this builder
   */
  B withListener(WorkloadListener listener);

  /**
   * Keeps this workload's records (run and attach mode alike) with those of one agent: {@link Workload#recovery(String)}
   * of the same name takes it over after a restart, and no other recovery does (neither {@link
   * Workload#recover()} nor another agent's). For agents, or test suites, of one user on one
   * host that must not take each other's workloads. Without it, a workload joins the default
   * records that {@link Workload#recover()} takes.
   *
   * @param agent the agent's name: 1 to 64 of {@code [A-Za-z0-9._-]}, not starting with
   *     {@code .}
   * @return this builder
   * @throws IllegalArgumentException for another name
   */
  B withAgent(String agent);

  /**
   * Keeps this workload's records after its report was delivered, until {@link
   * GovernedWorkload#acknowledge()}: for an agent that persists results itself. Should the JVM
   * die after the report reached it but before it acknowledged, the next {@link
   * Workload#recover()} (or {@link Workload#recovery(String)}) reports the workload again, with
   * its true status — the agent keys on ({@code job_id}, {@code pid}, {@code started_at}) to
   * see it once. Without it the records go once every listener and every dependent of {@link
   * GovernedWorkload#onExit()} has returned. A run-mode workload {@link GovernedWorkload#detach()
   * detached} keeps its records too until acknowledged: never acknowledged, it is recovered
   * later, still in its cgroup, and reported with its real end.
   *
   * @return this builder
   */
  B withAcknowledgement();

  /**
   * Validates the combination, prepares governance and starts (or adopts) the workload.
   *
   * @return the governed workload
   * @throws EnforcementException in strict mode, when a constraint cannot be enforced (a policy
   *     refusal: not an {@code IOException}); nothing was started or left behind
   * @throws NoSuchProcessException in attach mode, when the process does not exist
   * @throws AttachException in attach mode, when the process cannot be adopted
   * @throws LaunchException in run mode, when the command was not found or is not executable,
   *     or could not be launched at all (nothing of it ran; {@link LaunchException#report()})
   * @throws IOException when the backend, the launch or the adoption fails on this host
   */
  GovernedWorkload start() throws IOException, EnforcementException;
}
