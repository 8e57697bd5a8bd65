package io.ffrtmp;

import static java.util.Objects.requireNonNull;

import io.ffrtmp.internal.AttachBuilderImpl;
import io.ffrtmp.internal.RecoveryImpl;
import io.ffrtmp.internal.RunBuilder;
import io.ffrtmp.internal.Strategies;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point: governs a new command ({@link #run(String...)}) or a running process ({@link
 * #attach(long)}).
 *
 * <pre>{@code
 * WorkloadReport r = Workload.run("ffmpeg", "-i", "in.mp4", "out.mp4")
 *     .withJobId("job-001")
 *     .withCpuQuota(200)
 *     .withMemoryLimitMb(4096)
 *     .start()
 *     .awaitReport();
 * }</pre>
 */
public final class Workload {
  private Workload() {}

  /**
   * Describes a new workload. It inherits the JVM's standard input, output and error (no pipes
   * through the JVM, so it cannot die of SIGPIPE when the JVM goes away), working directory and
   * environment.
   *
   * @param command the program and its arguments; the program is looked up on the PATH
   * @return a builder
   */
  public static WorkloadBuilder run(String... command) {
    requireNonNull(command, "command");
    return run(Arrays.asList(command));
  }

  /**
   * Describes a new workload, like {@link #run(String...)}.
   *
   * @param command the program and its arguments
   * @return a builder
   */
  public static WorkloadBuilder run(List<String> command) {
    requireNonNull(command, "command");
    for (int i = 0; i < command.size(); i++) {
      if (command.get(i) == null) {
        throw new NullPointerException("command[" + i + "] is null");
      }
    }
    return run(new ProcessBuilder(List.copyOf(command)).inheritIO());
  }

  /**
   * Describes a new workload from a {@link ProcessBuilder}, keeping its command, directory,
   * environment and redirects. The builder is copied; later changes to it have no effect.
   *
   * @param processBuilder the process to start
   * @return a builder
   */
  public static WorkloadBuilder run(ProcessBuilder processBuilder) {
    requireNonNull(processBuilder, "processBuilder");
    return new RunBuilder(processBuilder);
  }

  /**
   * Describes the adoption of a running process, without restarting, stopping or signalling it.
   * The process must exist when {@link AttachBuilder#start()} is called, must not be a kernel
   * thread or a zombie, and may not be PID 1 or this JVM itself (moving the JVM into a
   * workload's cgroup would put the governor under the workload's limits).
   *
   * @param pid the process id
   * @return a builder
   * @throws IllegalArgumentException for a pid below 1, pid 1, or this JVM's pid
   */
  public static AttachBuilder attach(long pid) {
    return new AttachBuilderImpl(pid);
  }

  /**
   * Describes a watcher: it adopts, in attach mode, every process one of the rules takes — what
   * runs when it starts and whatever starts from then on (the kernel's process-events connector
   * reports each {@code exec} as it happens where this JVM may use it, else {@code /proc} is
   * scanned at an interval). Each adoption is an attach-mode workload of its own, with its
   * record, report and backend, under the rule's constraints; its children are governed with it
   * (they are in its cgroup), never adopted again. With the connector, what a process forks
   * before it is placed is moved after it, fork by fork as the kernel reports them; a tree that
   * forks faster than processes can be moved (a fork bomb) has its processes outside the cgroup
   * stopped ({@code SIGSTOP}) until each is moved, then continued, so the rule's limits contain
   * it. The watcher's threads run at nice -20 where this JVM may raise them (root), and so do
   * the JVM's VM and garbage-collector threads while a watcher follows forks. A restarted
   * watcher takes back what the previous one adopted instead of adopting it twice.
   *
   * <pre>{@code
   * try (Watcher w = Workload.watch(List.of(WatchRule.forCommands("ffmpeg")
   *         .constraints(Constraints.builder().cpuQuota(200).memoryLimitMb(4096).build())
   *         .build()))
   *     .withListener(new WatchListener() {
   *       public void adopted(GovernedWorkload g, WatchRule r, Duration sinceExec) {
   *         log(g.jobId());
   *       }
   *     })
   *     .start()) {
   *   awaitShutdown();
   * }
   * }</pre>
   *
   * @param rules tried in order, the first that takes a process governs it
   * @return a builder
   * @throws IllegalArgumentException for no rule
   */
  public static WatchBuilder watch(List<WatchRule> rules) {
    return new io.ffrtmp.internal.watch.WatchBuilderImpl(rules);
  }

  /**
   * The workloads that earlier governing JVMs of this user on this host started (without
   * {@link GovernanceBuilder#withAgent(String)}) and that have not been reported: running ones,
   * and ones that ended while no JVM governed them, or before their JVM delivered the report.
   * This JVM takes each over, and no other JVM gets it (however many call {@code recover} at
   * the same time): its {@link GovernedWorkload#onExit()} and {@link
   * GovernedWorkload#awaitReport()} complete with the real exit status and reason, the end time
   * and the final usage (kept by the launch keeper when the workload ended), a timeout still
   * holds from the original start, and once the report is delivered its cgroup and records are
   * removed. A workload that can no longer be accounted for (its keeper killed, no exit record)
   * is reported with exit reason {@code unknown} and the reason in its warnings, never with an
   * invented code. Records that are not to be trusted are refused and logged; {@link
   * #recovery()} also names them ({@link Recovery#warnings()}).
   *
   * @return the recovered workloads (mode {@code run}, {@code process()} empty)
   */
  public static List<GovernedWorkload> recover() {
    return recovery().recover();
  }

  /**
   * Like {@link #recover()}, for one job id.
   *
   * @param jobId the job id as given when it was started
   * @return the recovered workloads of that job id (usually one)
   */
  public static List<GovernedWorkload> recover(String jobId) {
    requireNonNull(jobId, "jobId");
    return recovery().recover(jobId);
  }

  /**
   * What {@link #recover()} would find, without taking anything over: the workloads of this
   * user on this host that earlier JVMs started and that have not been reported, and those that
   * running JVMs govern (for a look, not to take).
   *
   * @return one entry per start record, oldest first
   */
  public static List<Recoverable> recoverable() {
    return recovery().list();
  }

  /**
   * The default records (those of workloads started without {@link
   * GovernanceBuilder#withAgent(String)}), to recover or list them and to learn which records were
   * refused.
   *
   * @return a new view of them
   */
  public static Recovery recovery() {
    return new RecoveryImpl(null);
  }

  /**
   * The records of one agent's workloads (started {@link GovernanceBuilder#withAgent(String)
   * withAgent(agent)}), kept apart from the default ones and every other agent's.
   *
   * @param agent the agent's name
   * @return a new view of them
   * @throws IllegalArgumentException for a name {@code withAgent} refuses
   */
  public static Recovery recovery(String agent) {
    requireNonNull(agent, "agent");
    return new RecoveryImpl(io.ffrtmp.internal.keeper.StateDir.checkAgent(agent));
  }

  /**
   * Tells an observer of every workload this JVM governs from now on — started, attached or
   * recovered — and of each one's report: the hook for metrics ({@link
   * io.ffrtmp.metrics.WorkloadMetrics}, the modules {@code ffrtmp-micrometer} and {@code
   * ffrtmp-opentelemetry}). Register it when the JVM starts, before the first workload.
   *
   * @param observer the observer
   * @return its registration; {@code close()} ends it
   */
  public static WorkloadObserver.Registration observe(WorkloadObserver observer) {
    requireNonNull(observer, "observer");
    return io.ffrtmp.internal.Observers.add(observer);
  }

  /**
   * The governance backends found on this host, highest priority first, each with what its
   * probe found: which one a workload would get (honouring {@systemProperty ffrtmp.strategy})
   * and why the others are not used.
   *
   * @return one entry per backend
   */
  public static List<Backend> backends() {
    return Strategies.backends();
  }
}
