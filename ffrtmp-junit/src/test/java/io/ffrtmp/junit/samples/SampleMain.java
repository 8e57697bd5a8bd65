package io.ffrtmp.junit.samples;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * Runs a sample class through EngineTestKit in a JVM of its own (as another user) and prints
 * one line per finished test: {@code RESULT <method> <status> <message>}.
 */
public final class SampleMain {
  private SampleMain() {}

  /**
   * Runs it.
   *
   * @param args the sample class's name
   * @throws ClassNotFoundException for an unknown class
   */
  public static void main(String[] args) throws ClassNotFoundException {
    Class<?> sample = Class.forName(args[0]);
    for (Event e : EngineTestKit.engine("junit-jupiter").selectors(selectClass(sample))
        .execute().testEvents().finished().list()) {
      var result = e.getRequiredPayload(org.junit.platform.engine.TestExecutionResult.class);
      String why = result.getThrowable().map(Throwable::getMessage).orElse("");
      System.out.println("RESULT " + e.getTestDescriptor().getDisplayName() + " "
          + result.getStatus() + " " + why.replace('\n', ' '));
    }
  }
}
