package io.ffrtmp.junit;

import io.ffrtmp.Constraints;
import io.ffrtmp.WorkloadReport;
import java.lang.reflect.AnnotatedElement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The extension {@link Governed} registers: resolves a {@link GovernedWorkloads} parameter (one
 * per test, with the constraints of the method's {@code @Governed}, else the class's), and after
 * each test kills what is still running and publishes every report as a report entry.
 */
public final class GovernedExtension implements ParameterResolver, AfterEachCallback {
  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(GovernedExtension.class);

  /** Made by JUnit. */
  public GovernedExtension() {}

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == GovernedWorkloads.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    if (context.getTestMethod().isEmpty()) {
      throw new ParameterResolutionException("GovernedWorkloads belongs to one test: take it"
          + " in a test method or a @BeforeEach/@AfterEach method, not in "
          + context.getDisplayName());
    }
    return context.getStore(NS).getOrComputeIfAbsent(GovernedWorkloads.class,
        k -> create(context), GovernedWorkloads.class);
  }

  private static GovernedWorkloads create(ExtensionContext context) {
    Governed g = declared(context).orElseThrow(() -> new ParameterResolutionException(
        "no @Governed on " + context.getDisplayName() + " or its class"));
    String job = "junit-" + context.getRequiredTestClass().getSimpleName() + "-"
        + context.getRequiredTestMethod().getName();
    return new GovernedWorkloads(constraints(g), g.unenforceable(), job);
  }

  /** The method's {@code @Governed}, else its class's (or an enclosing class's). */
  static Optional<Governed> declared(ExtensionContext context) {
    for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent();
        c = c.get().getParent()) {
      Optional<AnnotatedElement> e = c.get().getElement();
      if (e.isPresent()) {
        Optional<Governed> g = AnnotationSupport.findAnnotation(e.get(), Governed.class);
        if (g.isPresent()) {
          return g;
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The constraints an annotation declares.
   *
   * @param g the annotation
   * @return its constraints, each checked by the library (a value out of range is an error
   *     naming it)
   */
  static Constraints constraints(Governed g) {
    return Constraints.builder().cpuQuota(g.cpuQuota()).cpuWeight(g.cpuWeight())
        .memoryLimitMb(g.memoryLimitMb()).ioWeight(g.ioWeight())
        .memoryHighMb(g.memoryHighMb()).swapMaxMb(g.swapMaxMb()).pidsMax(g.pidsMax())
        .cpus(g.cpus()).memoryNodes(g.memoryNodes()).ioMax(g.ioMax()).build();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    GovernedWorkloads w = context.getStore(NS).remove(GovernedWorkloads.class,
        GovernedWorkloads.class);
    if (w == null) {
      return;
    }
    List<WorkloadReport> reports = w.endAll();
    for (WorkloadReport r : reports) {
      context.publishReportEntry("ffrtmp." + r.jobId(), r.toJson());
    }
  }
}
