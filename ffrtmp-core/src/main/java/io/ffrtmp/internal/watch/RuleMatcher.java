package io.ffrtmp.internal.watch;

import io.ffrtmp.WatchRule;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Decides what a watcher does with a process: the first rule that names it and whose filters
 * pass adopts it; one that names it and is refused by a filter skips it (the first such reason
 * is reported when no later rule takes it); a rule whose only objection is the process's youth
 * has it looked at again when it is old enough. Pure: everything comes from {@link
 * ProcessFacts}.
 */
final class RuleMatcher {
  /** The kernel cuts {@code comm} to this many characters. */
  static final int COMM_LENGTH = 15;

  private RuleMatcher() {}

  /** What to do with a process. */
  sealed interface Decision permits Ignore, Skip, Wait, Adopt {}

  /** No rule names it. */
  record Ignore() implements Decision {}

  /** A rule names it and a filter refuses it. */
  record Skip(String reason) implements Decision {}

  /** The first rule that would take it needs it older: look again after {@code delay}. */
  record Wait(WatchRule rule, Duration delay) implements Decision {}

  /** Adopt it under {@code rule}. */
  record Adopt(WatchRule rule) implements Decision {}

  static final Ignore IGNORE = new Ignore();

  static Decision decide(List<WatchRule> rules, ProcessFacts p) {
    String skipped = null;
    for (WatchRule r : rules) {
      if (!names(r, p)) {
        continue;
      }
      String refused = refusal(r, p);
      if (refused != null) {
        if (skipped == null) {
          skipped = "rule " + r.name() + ": " + refused;
        }
        continue;
      }
      Duration age = p.age();
      if (age.compareTo(r.minAge()) < 0) {
        return new Wait(r, r.minAge().minus(age));
      }
      return new Adopt(r);
    }
    return skipped == null ? IGNORE : new Skip(skipped);
  }

  /** Whether the rule names the process: every selector it has must hold. */
  static boolean names(WatchRule r, ProcessFacts p) {
    if (!r.commands().isEmpty() && r.commands().stream().noneMatch(c -> isCommand(c, p))) {
      return false;
    }
    if (!r.executables().isEmpty()
        && !p.exe().map(e -> r.executables().contains(e)).orElse(false)) {
      return false;
    }
    var argv = r.argv();
    return argv == null || argv.matcher(String.join(" ", p.argv())).find();
  }

  /** The first word's file name, or the kernel's name for the program (cut at 15). */
  static boolean isCommand(String name, ProcessFacts p) {
    if (name.equals(p.name()) || name.equals(p.comm())) {
      return true;
    }
    return name.length() > COMM_LENGTH && p.comm().length() == COMM_LENGTH
        && name.startsWith(p.comm());
  }

  /** Why a filter of the rule refuses the process, or null when none does. */
  static @Nullable String refusal(WatchRule r, ProcessFacts p) {
    Optional<String> user = p.user();
    String who = user.orElse("uid " + p.uid());
    if (!r.users().isEmpty() && (user.isEmpty() || !r.users().contains(user.get()))) {
      return "user " + who + " is not among the allowed users " + r.users();
    }
    if (user.isPresent() && r.blockedUsers().contains(user.get())) {
      return "user " + who + " is blocked";
    }
    if (!r.uids().isEmpty() && !r.uids().contains(p.uid())) {
      return "uid " + p.uid() + " is not among the allowed uids " + r.uids();
    }
    if (r.blockedUids().contains(p.uid())) {
      return "uid " + p.uid() + " is blocked";
    }
    if (!r.parents().isEmpty() && !r.parents().contains(p.ppid())) {
      return "its parent " + p.ppid() + " is not among the allowed parents " + r.parents();
    }
    if (r.blockedParents().contains(p.ppid())) {
      return "its parent " + p.ppid() + " is blocked";
    }
    if (!r.parentCommands().isEmpty()
        && p.parentCommands().stream().noneMatch(r.parentCommands()::contains)) {
      return "its parent (" + String.join("/", p.parentCommands()) + ", pid " + p.ppid()
          + ") is not among the allowed parent commands " + r.parentCommands();
    }
    if (!r.cgroups().isEmpty() && p.cgroups().stream().noneMatch(c -> under(c, r.cgroups()))) {
      return "its cgroups " + p.cgroups() + " are not in " + r.cgroups();
    }
    Optional<String> cwd = p.cwd();
    if (!r.dirs().isEmpty() && (cwd.isEmpty() || !under(cwd.get(), r.dirs()))) {
      return cwd.isEmpty() ? "its working directory cannot be read (allowed dirs " + r.dirs()
          + ")" : "its working directory " + cwd.get() + " is not in " + r.dirs();
    }
    if (cwd.isPresent() && under(cwd.get(), r.blockedDirs())) {
      return "its working directory " + cwd.get() + " is blocked";
    }
    Duration max = r.maxAge();
    if (max != null && p.age().compareTo(max) > 0) {
      return "it is " + p.age().toMillis() / 1000 + " s old, older than the max age "
          + max.toMillis() / 1000 + " s";
    }
    return null;
  }

  /** Whether {@code path} is one of {@code dirs} or below one. */
  static boolean under(String path, Collection<String> dirs) {
    for (String d : dirs) {
      if (path.equals(d) || d.equals("/") || path.startsWith(d + "/")) {
        return true;
      }
    }
    return false;
  }
}
