package io.ffrtmp.internal.keeper;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The launch shim's command line as a value: what the JVM asks of it, written once ({@link
 * #argv()}) and read once ({@link #parse(List)}, to tell a keeper of another run from any
 * process). The layout, which {@code ffrtmp-shim.c} reads:
 *
 * <pre>{@code
 * <shim> <errfile> <flags> [<dir>] <nice|-> <oom_score_adj|-> <n> <join-file>...
 *        [<exitfile> <m> <counter-file>...] -- <command> [args...]
 * }</pre>
 *
 * <p>Flags: {@code k} keeper mode (the bracketed part is present), {@code p} descriptor 3 is
 * the pid pipe, {@code s} strict, {@code o} standard output joins standard error, {@code w}
 * wait for the JVM's go (SIGURG), {@code d} a working directory follows.
 *
 * @param shim the shim's path
 * @param errFile where the shim writes its notes
 * @param strict whether a placement, nice or OOM failure stops the launch
 * @param outputToError whether the workload's standard output joins its standard error
 * @param waitForGo whether the shim waits for the JVM's go before it starts the workload
 * @param dir the working directory, or null for the JVM's
 * @param nice the nice value, or null to inherit
 * @param oomScoreAdj the OOM score, or null to inherit
 * @param joinFiles the cgroup.procs (or tasks) files to join
 * @param exitFile where the keeper records the exit
 * @param counters the counter files the keeper copies into the exit record
 * @param command the workload's command
 */
public record ShimCommand(Path shim, Path errFile, boolean strict, boolean outputToError,
    boolean waitForGo, @Nullable String dir, @Nullable Integer nice, @Nullable Integer oomScoreAdj,
    List<Path> joinFiles, Path exitFile, List<Path> counters, List<String> command) {

  /**
   * The command line that starts the shim as a keeper with a pid pipe.
   *
   * @return the argv
   */
  public List<String> argv() {
    List<String> cmd = new ArrayList<>(command.size() + joinFiles.size() + counters.size() + 10);
    cmd.add(shim.toString());
    cmd.add(errFile.toString());
    cmd.add("kp" + (strict ? "s" : "") + (outputToError ? "o" : "") + (waitForGo ? "w" : "")
        + (dir != null ? "d" : ""));
    if (dir != null) {
      cmd.add(dir);
    }
    cmd.add(nice == null ? "-" : nice.toString());
    cmd.add(oomScoreAdj == null ? "-" : oomScoreAdj.toString());
    cmd.add(Integer.toString(joinFiles.size()));
    for (Path p : joinFiles) {
      cmd.add(p.toString());
    }
    cmd.add(exitFile.toString());
    cmd.add(Integer.toString(counters.size()));
    for (Path p : counters) {
      cmd.add(p.toString());
    }
    cmd.add("--");
    cmd.addAll(command);
    return cmd;
  }

  /**
   * Whether a shim's command line starts it as a keeper (of this layout or another version's).
   *
   * @param argv the command line
   * @return true when its flags are a keeper's
   */
  public static boolean isKeeper(List<String> argv) {
    return argv.size() >= 3 && argv.get(2).startsWith("k");
  }

  /**
   * Reads a keeper's command line (as {@code /proc/<pid>/cmdline} shows it).
   *
   * @param argv the command line
   * @return the command, or empty when it is not a keeper's of this layout
   */
  public static Optional<ShimCommand> parse(List<String> argv) {
    if (!isKeeper(argv)) {
      return Optional.empty();
    }
    try {
      String flags = argv.get(2);
      int at = 3;
      String dir = flags.contains("d") ? argv.get(at++) : null;
      Integer nice = argv.get(at).equals("-") ? null : Integer.valueOf(argv.get(at));
      Integer oom = argv.get(at + 1).equals("-") ? null : Integer.valueOf(argv.get(at + 1));
      int n = Integer.parseInt(argv.get(at + 2));
      at += 3;
      List<Path> join = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        join.add(Path.of(argv.get(at++)));
      }
      Path exit = Path.of(argv.get(at++));
      int m = Integer.parseInt(argv.get(at++));
      List<Path> counters = new ArrayList<>();
      for (int i = 0; i < m; i++) {
        counters.add(Path.of(argv.get(at++)));
      }
      if (!argv.get(at++).equals("--")) {
        return Optional.empty();
      }
      return Optional.of(new ShimCommand(Path.of(argv.get(0)), Path.of(argv.get(1)),
          flags.contains("s"), flags.contains("o"), flags.contains("w"), dir, nice, oom, join,
          exit, counters, List.copyOf(argv.subList(at, argv.size()))));
    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
