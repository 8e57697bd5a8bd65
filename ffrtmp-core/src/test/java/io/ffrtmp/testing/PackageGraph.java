package io.ffrtmp.testing;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * The package dependency graph of compiled classes, as {@code jdeps -verbose:class} sees it,
 * and its cycles (strongly connected components of more than one package).
 */
public final class PackageGraph {
  private static final Pattern EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)\\s");

  /** class -> the project's classes it references (other packages' and its own). */
  private final Map<String, Set<String>> classDeps;

  private PackageGraph(Map<String, Set<String>> classDeps) {
    this.classDeps = classDeps;
  }

  /**
   * The directory that holds a class's compiled module (e.g. {@code target/classes}).
   *
   * @param anyClass a class of the module
   * @return its classes directory
   */
  public static Path classesOf(Class<?> anyClass) {
    try {
      return Path.of(anyClass.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads the graph of the classes under a directory whose names start with {@code prefix}.
   * {@code module-info.class} is left out, so that jdeps needs none of the module's
   * dependencies to read it.
   *
   * @param classes the classes directory
   * @param tmp a scratch directory
   * @param prefix e.g. {@code io.ffrtmp}
   * @return the graph
   * @throws IOException when the classes cannot be copied
   */
  public static PackageGraph of(Path classes, Path tmp, String prefix) throws IOException {
    Path copy = Files.createDirectories(tmp.resolve("classes"));
    try (Stream<Path> s = Files.walk(classes)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path rel = classes.relativize(p);
        if (Files.isRegularFile(p) && p.toString().endsWith(".class")
            && !p.getFileName().toString().equals("module-info.class")) {
          Files.createDirectories(copy.resolve(rel).getParent());
          Files.copy(p, copy.resolve(rel));
        }
      }
    }
    ToolProvider jdeps = ToolProvider.findFirst("jdeps")
        .orElseThrow(() -> new IllegalStateException("jdeps is not in this JDK"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:class",
        "-filter:none", copy.toString());
    if (rc != 0) {
      throw new IllegalStateException("jdeps failed (" + rc + "): " + err);
    }
    Map<String, Set<String>> deps = new TreeMap<>();
    for (String line : out.toString().split("\n")) {
      Matcher m = EDGE.matcher(line);
      if (m.find() && m.group(1).startsWith(prefix) && m.group(2).startsWith(prefix)) {
        deps.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
      }
    }
    if (deps.isEmpty()) {
      throw new IllegalStateException("jdeps found no class of " + prefix + " in " + classes);
    }
    return new PackageGraph(deps);
  }

  /**
   * The package graph: package -> packages it depends on (itself excluded).
   *
   * @param ignoreFrom classes whose references are left out
   * @return the graph
   */
  public Map<String, Set<String>> packages(Predicate<String> ignoreFrom) {
    Map<String, Set<String>> g = new TreeMap<>();
    classDeps.forEach((from, tos) -> {
      String p = pkg(from);
      g.computeIfAbsent(p, k -> new TreeSet<>());
      if (ignoreFrom.test(outer(from))) {
        return;
      }
      for (String to : tos) {
        if (!pkg(to).equals(p)) {
          g.get(p).add(pkg(to));
        }
      }
    });
    return g;
  }

  /**
   * The classes of one package that reference another package.
   *
   * @param from the referring package
   * @param to the referenced package
   * @return their names (nested classes as their outer class)
   */
  public Set<String> classesReferencing(String from, String to) {
    Set<String> out = new TreeSet<>();
    classDeps.forEach((c, tos) -> {
      if (pkg(c).equals(from) && tos.stream().anyMatch(t -> pkg(t).equals(to))) {
        out.add(outer(c));
      }
    });
    return out;
  }

  /**
   * The classes of one package that reference a class (or a class nested in it).
   *
   * @param from the referring package
   * @param to the referenced class
   * @return their names (nested classes as their outer class)
   */
  public Set<String> classesReferencingClass(String from, String to) {
    Set<String> out = new TreeSet<>();
    classDeps.forEach((c, tos) -> {
      if (pkg(c).equals(from) && tos.stream().anyMatch(t -> outer(t).equals(to))) {
        out.add(outer(c));
      }
    });
    return out;
  }

  /**
   * The cycles of a package graph: each strongly connected component of more than one package.
   *
   * @param g the graph
   * @return the cycles, each as its packages
   */
  public static List<Set<String>> cycles(Map<String, Set<String>> g) {
    // Tarjan's algorithm
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    List<Set<String>> out = new ArrayList<>();
    int[] counter = {0};
    for (String v : g.keySet()) {
      if (!index.containsKey(v)) {
        strongConnect(v, g, index, low, stack, onStack, out, counter);
      }
    }
    return out;
  }

  private static void strongConnect(String v, Map<String, Set<String>> g,
      Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack,
      Set<String> onStack, List<Set<String>> out, int[] counter) {
    index.put(v, counter[0]);
    low.put(v, counter[0]);
    counter[0]++;
    stack.push(v);
    onStack.add(v);
    for (String w : g.getOrDefault(v, Set.of())) {
      if (!index.containsKey(w)) {
        strongConnect(w, g, index, low, stack, onStack, out, counter);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      Set<String> scc = new TreeSet<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        scc.add(w);
      } while (!w.equals(v));
      if (scc.size() > 1) {
        out.add(scc);
      }
    }
  }

  private static String pkg(String cls) {
    int i = cls.lastIndexOf('.');
    return i < 0 ? "" : cls.substring(0, i);
  }

  private static String outer(String cls) {
    int i = cls.indexOf('$');
    return i < 0 ? cls : cls.substring(0, i);
  }
}
