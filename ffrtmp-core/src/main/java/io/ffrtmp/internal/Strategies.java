package io.ffrtmp.internal;

import io.ffrtmp.Backend;
import io.ffrtmp.spi.Availability;
import io.ffrtmp.spi.GovernanceStrategy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backend discovery and selection. {@link #select} is a pure function over a list of provider
 * suppliers; {@link #registry()} is the one piece of global state of the project: the providers
 * found with {@link ServiceLoader} and probed once.
 */
public final class Strategies {
  /** System property forcing a backend by name. */
  public static final String STRATEGY_PROPERTY = "ffrtmp.strategy";

  private static final Logger LOG = LoggerFactory.getLogger(Strategies.class);

  private Strategies() {}

  /**
   * A provider that was instantiated and probed.
   *
   * @param strategy the backend
   * @param availability what its probe said
   */
  public record Probed(GovernanceStrategy strategy, Availability availability) {}

  /**
   * The outcome of selection.
   *
   * @param chosen the backend to use
   * @param considered every provider that could be probed, highest priority first
   */
  public record Selection(GovernanceStrategy chosen, List<Probed> considered) {
    /** The guide's warning when cgroups exist but this user may not create them. */
    public static final String PERMISSION_WARNING = "Cannot create cgroup (permission denied)";

    /**
     * Warnings about the choice, when it fell back to {@code nice-fallback} although cgroup
     * backends exist: the guide's {@value #PERMISSION_WARNING} when one was rejected for lack of
     * permission, then every rejected backend's probe reason.
     *
     * @return the warnings
     */
    public List<String> warnings() {
      if (!chosen.name().equals(NiceFallbackStrategy.NAME)) {
        return List.of();
      }
      for (Probed p : considered) {
        if (p.strategy().priority() > chosen.priority() && p.availability().usable()) {
          // nice-fallback was forced although a cgroup backend is usable: nothing to warn about
          return List.of();
        }
      }
      List<String> out = new ArrayList<>(2);
      List<Probed> rejected = new ArrayList<>();
      for (Probed p : considered) {
        if (p.strategy().priority() > chosen.priority() && !p.availability().usable()) {
          rejected.add(p);
          if (p.availability().reason().startsWith("permission denied") && out.isEmpty()) {
            out.add(PERMISSION_WARNING);
          }
        }
      }
      if (!rejected.isEmpty()) {
        out.add("No cgroup backend usable, using nice-fallback: " + reasons(rejected));
      }
      return out;
    }
  }

  /**
   * Instantiates and probes each provider, one at a time; one that throws (also {@link
   * LinkageError}, as JNA failures arrive) is skipped with a warning.
   *
   * @param providers suppliers of providers, e.g. {@code ServiceLoader.Provider::get}
   * @param warn receives one message per broken provider
   * @return the probed providers, highest priority first
   */
  public static List<Probed> probeAll(
      List<? extends Supplier<? extends GovernanceStrategy>> providers, Consumer<String> warn) {
    List<Probed> out = new ArrayList<>();
    for (Supplier<? extends GovernanceStrategy> p : providers) {
      GovernanceStrategy s = null;
      try {
        s = p.get();
        out.add(new Probed(s, s.probe()));
      } catch (RuntimeException | LinkageError | java.util.ServiceConfigurationError e) {
        warn.accept(
            "skipping broken governance backend "
                + (s == null ? "(could not be instantiated)" : s.name())
                + ": "
                + e);
      }
    }
    out.sort(Comparator.comparingInt((Probed x) -> x.strategy().priority()).reversed());
    return out;
  }

  /**
   * Chooses a backend: the forced one if a name is given (it must exist and be usable), else
   * the usable one of highest priority.
   *
   * @param probed the probed providers
   * @param forced a backend name, or null
   * @return the selection
   * @throws IllegalStateException naming every backend and why it was rejected
   */
  public static Selection select(List<Probed> probed, @Nullable String forced) {
    List<Probed> sorted = new ArrayList<>(probed);
    sorted.sort(Comparator.comparingInt((Probed x) -> x.strategy().priority()).reversed());
    if (forced != null) {
      for (Probed p : sorted) {
        if (p.strategy().name().equals(forced)) {
          if (!p.availability().usable()) {
            throw new IllegalStateException(
                "governance backend '" + forced + "' is not usable here: "
                    + p.availability().reason());
          }
          return new Selection(p.strategy(), sorted);
        }
      }
      throw new IllegalStateException(
          "no governance backend named '" + forced + "'; available: " + names(sorted));
    }
    for (Probed p : sorted) {
      if (p.availability().usable()) {
        return new Selection(p.strategy(), sorted);
      }
    }
    throw new IllegalStateException("no usable governance backend: " + reasons(sorted));
  }

  /**
   * Every backend's name and probe reason, for messages.
   *
   * @param probed the probed providers
   * @return e.g. {@code cgroup-v2: unusable (...); nice-fallback: usable (...)}
   */
  public static String reasons(List<Probed> probed) {
    if (probed.isEmpty()) {
      return "none found";
    }
    return probed.stream()
        .map(
            p ->
                p.strategy().name()
                    + ": "
                    + (p.availability().usable() ? "usable" : "unusable")
                    + " ("
                    + p.availability().reason()
                    + ")")
        .collect(Collectors.joining("; "));
  }

  private static String names(List<Probed> probed) {
    return probed.stream().map(p -> p.strategy().name()).collect(Collectors.joining(", "));
  }

  /**
   * What {@link io.ffrtmp.Workload#backends()} returns: every backend of the registry with its
   * probe's finding, and which one a workload would get.
   *
   * @return one entry per backend, highest priority first
   */
  public static List<Backend> backends() {
    String selected;
    try {
      selected = selectFromRegistry(null).chosen().name();
    } catch (IllegalStateException e) {
      selected = "";
    }
    List<Backend> out = new ArrayList<>();
    for (Probed p : registry()) {
      out.add(new Backend(p.strategy().name(), p.strategy().priority(),
          p.availability().usable(), p.availability().reason(),
          p.strategy().name().equals(selected)));
    }
    return List.copyOf(out);
  }

  /**
   * The providers found on the class path and module path, probed once per JVM.
   *
   * @return the probed providers, highest priority first
   */
  public static List<Probed> registry() {
    return Registry.PROBED;
  }

  /**
   * Selects a backend from the registry, honouring a forced name or the {@value
   * #STRATEGY_PROPERTY} system property.
   *
   * @param forced a name given through the builder, or null
   * @return the selection
   */
  public static Selection selectFromRegistry(@Nullable String forced) {
    String name = forced != null ? forced : System.getProperty(STRATEGY_PROPERTY);
    if (name != null && name.isBlank()) {
      name = null;
    }
    return select(registry(), name);
  }

  private static final class Registry {
    static final List<Probed> PROBED = discover();

    private static List<Probed> discover() {
      List<Supplier<? extends GovernanceStrategy>> suppliers = new ArrayList<>();
      ServiceLoader<GovernanceStrategy> loader =
          ServiceLoader.load(GovernanceStrategy.class, Strategies.class.getClassLoader());
      var it = loader.stream().iterator();
      while (true) {
        try {
          if (!it.hasNext()) {
            break;
          }
          suppliers.add(it.next());
        } catch (java.util.ServiceConfigurationError | LinkageError e) {
          LOG.warn("skipping governance backend that cannot be loaded: {}", e.toString());
        }
      }
      boolean hasFallback = false;
      for (Supplier<? extends GovernanceStrategy> s : suppliers) {
        if (s instanceof ServiceLoader.Provider<?> p
            && p.type().equals(NiceFallbackStrategy.class)) {
          hasFallback = true;
        }
      }
      if (!hasFallback) {
        suppliers.add(NiceFallbackStrategy::new);
      }
      List<Probed> probed = List.copyOf(probeAll(suppliers, m -> LOG.warn("{}", m)));
      LOG.debug("governance backends: {}", reasons(probed));
      return probed;
    }
  }
}
