package io.ffrtmp.internal;

import io.ffrtmp.internal.os.Signals;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The {@link Process} of a run-mode workload as the caller sees it: the JVM's real child is the
 * launch keeper, the workload's parent, which ends with the workload's exit status; this view
 * gives the workload's pid and handle, the keeper's exit status and streams (the workload's,
 * inherited), and makes {@code destroy()} reach the whole workload (SIGTERM to its process
 * group and cgroup) and {@code destroyForcibly()} kill all of it (SIGKILL cannot be passed on
 * by the keeper).
 */
final class KeptProcess extends Process {
  private final Process keeper;
  private final long workloadPid;
  private final IntConsumer signalWorkload;

  KeptProcess(Process keeper, long workloadPid, IntConsumer signalWorkload) {
    this.keeper = keeper;
    this.workloadPid = workloadPid;
    this.signalWorkload = signalWorkload;
  }

  @Override
  public OutputStream getOutputStream() {
    return keeper.getOutputStream();
  }

  @Override
  public InputStream getInputStream() {
    return keeper.getInputStream();
  }

  @Override
  public InputStream getErrorStream() {
    return keeper.getErrorStream();
  }

  @Override
  public int waitFor() throws InterruptedException {
    return keeper.waitFor();
  }

  @Override
  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    return keeper.waitFor(timeout, unit);
  }

  @Override
  public int exitValue() {
    return keeper.exitValue();
  }

  @Override
  public boolean isAlive() {
    return keeper.isAlive();
  }

  @Override
  public void destroy() {
    signalWorkload.accept(Signals.SIGTERM);
  }

  @Override
  public Process destroyForcibly() {
    signalWorkload.accept(Signals.SIGKILL);
    return this;
  }

  @Override
  public boolean supportsNormalTermination() {
    return true;
  }

  @Override
  public long pid() {
    return workloadPid;
  }

  /**
   * The workload's handle; once the workload has ended, the keeper's while it runs (it outlives
   * the workload by the moment it takes to record the exit).
   *
   * @throws UnsupportedOperationException when both have ended (a handle taken before stays
   *     valid)
   */
  @Override
  public ProcessHandle toHandle() {
    return ProcessHandle.of(workloadPid).orElseGet(() -> {
      try {
        return keeper.toHandle();
      } catch (UnsupportedOperationException e) {
        throw new UnsupportedOperationException("the workload (pid " + workloadPid
            + ") has ended", e);
      }
    });
  }

  @Override
  public CompletableFuture<Process> onExit() {
    return keeper.onExit().thenApply(k -> this);
  }

  @Override
  public String toString() {
    return "Process[pid=" + workloadPid + ", keeper=" + keeper.pid() + ", alive=" + isAlive()
        + "]";
  }
}
