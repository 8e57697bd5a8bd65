package io.ffrtmp;

import java.io.IOException;
import java.time.Duration;

/** Describes a watcher; obtain one from {@link Workload#watch(java.util.List)}. */
public interface WatchBuilder {
  /**
   * How it learns of new processes (default {@link Watcher.Discovery#AUTO}).
   *
   * @param discovery which
   * @return this builder
   */
  WatchBuilder withDiscovery(Watcher.Discovery discovery);

  /**
   * How often {@link Watcher.Discovery#SCAN} looks at {@code /proc} (default 1 s; the original
   * wrapper's 10 s leaves short jobs ungoverned).
   *
   * @param interval 10 ms to 1 hour
   * @return this builder
   */
  WatchBuilder withScanInterval(Duration interval);

  /**
   * The agent whose records its adoptions join (default {@value #DEFAULT_AGENT}): a restarted
   * watcher of the same agent recovers them, and nothing else.
   *
   * @param agent a name {@link GovernanceBuilder#withAgent(String)} accepts
   * @return this builder
   */
  WatchBuilder withAgent(String agent);

  /**
   * Adds a listener.
   *
   * @param listener what to tell
   * @return this builder
   */
  WatchBuilder withListener(WatchListener listener);

  /**
   * Whether {@link Watcher#stop()} detaches every adopted process and restores what it had
   * before (its cgroups, nice value and OOM score) instead of leaving it governed (default
   * false).
   *
   * @param restore whether to restore
   * @return this builder
   */
  WatchBuilder restoreOnStop(boolean restore);

  /**
   * Starts watching: first takes back what an earlier watcher of the agent adopted, then opens
   * the discovery and adopts what already runs and what starts from then on.
   *
   * @return the watcher
   * @throws IOException when {@link Watcher.Discovery#CONNECTOR} was asked for and cannot be
   *     used (the reason in the message), or {@code /proc} cannot be read
   */
  Watcher start() throws IOException;

  /** The agent of a watcher's records unless told otherwise. */
  String DEFAULT_AGENT = "watch";
}
