package io.ffrtmp.internal;

import io.ffrtmp.AttachBuilder;
import io.ffrtmp.EnforcementException;
import io.ffrtmp.GovernedWorkload;
import java.io.IOException;

/** The attach-mode {@link AttachBuilder}. */
public final class AttachBuilderImpl extends AbstractBuilder<AttachBuilder>
    implements AttachBuilder {
  private final long pid;
  private boolean descendants = true;
  private boolean restore;

  /**
   * Checks the pid.
   *
   * @param pid the process to adopt
   */
  public AttachBuilderImpl(long pid) {
    if (pid < 1 || pid > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "pid must be between 1 and " + Integer.MAX_VALUE + ", got " + pid);
    }
    if (pid == 1) {
      throw new IllegalArgumentException("pid 1 (init) cannot be adopted");
    }
    if (pid == ProcessHandle.current().pid()) {
      throw new IllegalArgumentException(
          "pid " + pid + " is this JVM: the governor cannot adopt itself");
    }
    this.pid = pid;
  }

  @Override
  AttachBuilder self() {
    return this;
  }

  @Override
  public AttachBuilder withDescendants(boolean include) {
    this.descendants = include;
    return this;
  }

  @Override
  public AttachBuilder restoreOnDetach(boolean value) {
    this.restore = value;
    return this;
  }

  @Override
  public GovernedWorkload start() throws IOException, EnforcementException {
    Strategies.Selection selection = Strategies.selectFromRegistry(strategy);
    return AttachedWorkload.adopt(
        new AttachedWorkload.Spec(common(), pid, descendants, restore, agent, acknowledged),
        selection.chosen(),
        selection.warnings());
  }
}
