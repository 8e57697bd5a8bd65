package io.ffrtmp.internal.watch;

import static java.util.Objects.requireNonNull;

import io.ffrtmp.WatchBuilder;
import io.ffrtmp.WatchListener;
import io.ffrtmp.WatchRule;
import io.ffrtmp.Watcher;
import io.ffrtmp.internal.keeper.StateDir;
import io.ffrtmp.internal.os.ProcEvents;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The {@link WatchBuilder}. */
public final class WatchBuilderImpl implements WatchBuilder {
  private static final Duration MIN_INTERVAL = Duration.ofMillis(10);
  private static final Duration MAX_INTERVAL = Duration.ofHours(1);
  /** How long the kernel has to acknowledge a subscription. */
  private static final int ACK_TIMEOUT_MS = 1000;

  private final List<WatchRule> rules;
  private Watcher.Discovery discovery = Watcher.Discovery.AUTO;
  private Duration scanInterval = Duration.ofSeconds(1);
  private String agent = DEFAULT_AGENT;
  private final List<WatchListener> listeners = new ArrayList<>(1);
  private boolean restoreOnStop;

  /**
   * A watcher of these rules.
   *
   * @param rules tried in order; at least one
   */
  public WatchBuilderImpl(List<WatchRule> rules) {
    requireNonNull(rules, "rules");
    for (int i = 0; i < rules.size(); i++) {
      if (rules.get(i) == null) {
        throw new NullPointerException("rules[" + i + "] is null");
      }
    }
    if (rules.isEmpty()) {
      throw new IllegalArgumentException("a watcher needs at least one rule");
    }
    this.rules = List.copyOf(rules);
  }

  @Override
  public WatchBuilder withDiscovery(Watcher.Discovery value) {
    this.discovery = requireNonNull(value, "discovery");
    return this;
  }

  @Override
  public WatchBuilder withScanInterval(Duration interval) {
    requireNonNull(interval, "scanInterval");
    if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
      throw new IllegalArgumentException("scanInterval must be between 10 ms and 1 h, got "
          + interval);
    }
    this.scanInterval = interval;
    return this;
  }

  @Override
  public WatchBuilder withAgent(String name) {
    this.agent = StateDir.checkAgent(requireNonNull(name, "agent"));
    return this;
  }

  @Override
  public WatchBuilder withListener(WatchListener listener) {
    listeners.add(requireNonNull(listener, "listener"));
    return this;
  }

  @Override
  public WatchBuilder restoreOnStop(boolean restore) {
    this.restoreOnStop = restore;
    return this;
  }

  @Override
  public Watcher start() throws IOException {
    ProcEvents events = null;
    String detail;
    if (discovery == Watcher.Discovery.SCAN) {
      detail = scanDetail("asked for");
    } else {
      try {
        events = ProcEvents.open(ACK_TIMEOUT_MS);
        detail = "the kernel's process-events connector: each exec as it happens";
      } catch (IOException e) {
        if (discovery == Watcher.Discovery.CONNECTOR) {
          throw e;
        }
        detail = scanDetail(e.getMessage());
      }
    }
    WatcherImpl w = new WatcherImpl(rules, agent, listeners, restoreOnStop, scanInterval,
        events == null ? Watcher.Discovery.SCAN : Watcher.Discovery.CONNECTOR, detail, events);
    try {
      w.begin();
    } catch (RuntimeException e) {
      w.stop();
      throw e;
    }
    return w;
  }

  private String scanDetail(@Nullable String why) {
    return scanDetail(scanInterval, why);
  }

  /** What {@link Watcher#discoveryDetail()} says of a scan, and why it is one. */
  static String scanDetail(Duration interval, @Nullable String why) {
    return "a scan of /proc every " + interval.toMillis() + " ms (" + why + ")";
  }
}
