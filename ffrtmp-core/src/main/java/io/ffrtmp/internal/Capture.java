package io.ffrtmp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One captured stream of a workload ({@link io.ffrtmp.Output#capture(int)}): a daemon thread of
 * its own reads it to its end, keeping the last {@code maxBytes} in a ring, so the workload never
 * blocks on a full pipe and the heap holds at most that much.
 */
final class Capture {
  private final byte[] ring;
  private int next;
  private boolean wrapped;
  private final CountDownLatch ended = new CountDownLatch(1);

  private Capture(int maxBytes) {
    this.ring = new byte[maxBytes];
  }

  /**
   * Starts reading a stream.
   *
   * @param in the stream (a pipe from the workload)
   * @param maxBytes how many bytes to keep
   * @param name the reading thread's name
   * @return the capture
   */
  static Capture start(InputStream in, int maxBytes, String name) {
    Capture c = new Capture(maxBytes);
    Thread t = new Thread(() -> c.read(in), name);
    t.setDaemon(true);
    t.start();
    return c;
  }

  private void read(InputStream in) {
    byte[] buf = new byte[8192];
    try (in) {
      for (int n; (n = in.read(buf)) >= 0; ) {
        keep(buf, n);
      }
    } catch (IOException e) {
      // the stream was closed: what came is kept
    } finally {
      ended.countDown();
    }
  }

  private synchronized void keep(byte[] buf, int n) {
    int from = Math.max(0, n - ring.length); // more than the ring holds: only the last fit
    for (int i = from; i < n; ) {
      int k = Math.min(n - i, ring.length - next);
      System.arraycopy(buf, i, ring, next, k);
      i += k;
      next += k;
      if (next == ring.length) {
        next = 0;
        wrapped = true;
      }
    }
  }

  /**
   * What was kept so far, as UTF-8 text (a character cut at the start of a full ring is
   * replaced).
   *
   * @return the text
   */
  synchronized String text() {
    if (!wrapped) {
      return new String(ring, 0, next, StandardCharsets.UTF_8);
    }
    byte[] out = new byte[ring.length];
    System.arraycopy(ring, next, out, 0, ring.length - next);
    System.arraycopy(ring, 0, out, ring.length - next, next);
    return new String(out, StandardCharsets.UTF_8);
  }

  /**
   * Waits for the stream's end (every writer closed it).
   *
   * @param millis at most this long
   * @return whether it ended
   */
  boolean awaitEnd(long millis) {
    try {
      return ended.await(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
