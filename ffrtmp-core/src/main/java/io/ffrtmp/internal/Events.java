package io.ffrtmp.internal;

import io.ffrtmp.WorkloadEvent;
import io.ffrtmp.WorkloadListener;
import java.util.ArrayDeque;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one workload's events to its listeners, isolated from them: a listener's exception
 * or error is logged and never reaches the library's own path, and a listener that causes
 * another event (say, by calling {@code detach()}) is not re-entered — the new event is queued
 * and delivered after the current one, in order, by the thread already delivering.
 */
final class Events {
  private static final Logger LOG = LoggerFactory.getLogger(Events.class);

  private record Pending(WorkloadEvent event, @Nullable Runnable after) {}

  private final List<WorkloadListener> listeners;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private @Nullable Thread deliverer;

  Events(List<WorkloadListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  /**
   * Delivers an event (now, or after the one being delivered).
   *
   * @param event the event
   */
  void fire(WorkloadEvent event) {
    fire(event, null);
  }

  /**
   * Delivers an event, then runs {@code after} once every listener has had it.
   *
   * @param event the event
   * @param after what to do after the delivery, or null
   */
  void fire(WorkloadEvent event, @Nullable Runnable after) {
    synchronized (this) {
      queue.add(new Pending(event, after));
      if (deliverer != null) {
        return;
      }
      deliverer = Thread.currentThread();
    }
    while (true) {
      Pending next;
      synchronized (this) {
        next = queue.poll();
        if (next == null) {
          deliverer = null;
          return;
        }
      }
      for (WorkloadListener l : listeners) {
        try {
          l.onEvent(next.event());
        } catch (RuntimeException | Error e) {
          LOG.warn("workload listener failed on {} of job {}: {}", next.event().type(),
              next.event().jobId(), e.toString());
        }
      }
      if (next.after() != null) {
        next.after().run();
      }
    }
  }

  /**
   * Whether the calling thread is delivering this workload's events (a listener is running).
   *
   * @return true inside a listener of this workload
   */
  synchronized boolean deliveringOnThisThread() {
    return deliverer == Thread.currentThread();
  }
}
