package io.ffrtmp.internal.watch;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a watch rule looks at in a process. {@link LiveProcess} reads it from {@code /proc} when
 * first asked; a test gives its own.
 */
interface ProcessFacts {
  long pid();

  long ppid();

  /** The kernel's name of the program ({@code comm}: at most 15 characters). */
  String comm();

  /** The command line's words; empty when unreadable. */
  List<String> argv();

  /** The program's absolute path ({@code /proc/<pid>/exe}), if readable. */
  Optional<String> exe();

  /** The real uid, or -1 when unknown. */
  long uid();

  /** The user name of {@link #uid()}, if it has one. */
  Optional<String> user();

  /** The parent's command names ({@code comm} and the first word's file name). */
  List<String> parentCommands();

  /** The cgroups it is in, one per hierarchy, as {@code /proc/<pid>/cgroup} names them. */
  List<String> cgroups();

  /** The working directory, if readable. */
  Optional<String> cwd();

  /** How long it has run. */
  Duration age();

  /** The file name of the command line's first word, or {@link #comm()} when there is none. */
  default String name() {
    List<String> a = argv();
    if (a.isEmpty() || a.get(0).isEmpty()) {
      return comm();
    }
    String first = a.get(0);
    return first.substring(first.lastIndexOf('/') + 1);
  }
}
