package io.ffrtmp.testing;

/** A multi-threaded process for tests: {@code Threads <n>} starts n sleeping threads, prints READY. */
public final class Threads {
  private Threads() {}

  /**
   * Entry point.
   *
   * @param args the number of extra threads
   * @throws InterruptedException never in practice
   */
  public static void main(String[] args) throws InterruptedException {
    int n = Integer.parseInt(args[0]);
    for (int i = 0; i < n; i++) {
      Thread t = new Thread(() -> {
        try {
          Thread.sleep(120_000);
        } catch (InterruptedException e) {
          // exit
        }
      }, "sleeper-" + i);
      t.setDaemon(true);
      t.start();
    }
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(120_000);
  }
}
