package io.ffrtmp.junittest;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.ffrtmp.junit.GovernedExtension;
import io.ffrtmp.junit.samples.MemoryHogSample;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * The extension with JUnit and the library on the module path (started by {@code
 * ModulePathTest}): a sample test that asks for a memory limit, run through EngineTestKit.
 */
public final class ModulePathMain {
  private ModulePathMain() {}

  /**
   * Entry point.
   *
   * @param args none
   */
  public static void main(String[] args) {
    EngineExecutionResults r = EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(MemoryHogSample.class)).execute();
    System.out.println("MODULES " + GovernedExtension.class.getModule().getName() + " "
        + EngineTestKit.class.getModule().getName());
    System.out.println("TESTS succeeded=" + r.testEvents().succeeded().count() + " failed="
        + r.testEvents().failed().count() + " aborted=" + r.testEvents().aborted().count());
  }
}
