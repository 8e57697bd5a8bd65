package io.ffrtmp.internal.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.Host;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state directory takes nothing that is not ffrtmp's: a directory it did not create is
 * never chmodded (a shared one is refused), and a sweep deletes only files ffrtmp names and
 * this user owns.
 */
class StateDirTest {
  @TempDir Path tmp;

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void aSharedDirectory_isRefused_andKeepsItsModeAndStickyBit() throws Exception {
    Path shared = Files.createDirectory(tmp.resolve("shared"));
    Files.setAttribute(shared, "unix:mode", 01777);
    IOException e = assertThrows(IOException.class, () -> StateDir.at(shared));
    assertTrue(e.getMessage().contains("writable by other users (mode 1777"), e.getMessage());
    assertEquals(01777, (int) Files.getAttribute(shared, "unix:mode") & 07777,
        "never chmodded");
  }

  @Test
  void anOwnDirectoryReadableByOthers_isUsedAsItIs() throws Exception {
    Path own = Files.createDirectory(tmp.resolve("own"));
    Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rwxr-xr-x"));
    StateDir.at(own);
    assertEquals("rwxr-xr-x", mode(own));
    Path created = tmp.resolve("created");
    StateDir.at(created);
    assertEquals("rwx------", mode(created), "one it creates is private");
  }

  /**
   * An agent's directory is checked once per JVM: the check opens and closes the lock file, and
   * closing any descriptor of a file drops this process's fcntl lock on it — a claim of another
   * thread in progress would lose its lock to a start of the same agent.
   */
  @Test
  void anAgentsDirectory_isCheckedOncePerJvm() throws Exception {
    StateDir root = StateDir.at(tmp.resolve("agents"));
    StateDir a = root.forAgent("a");
    assertEquals(tmp.resolve("agents").resolve("agent-a"), a.path());
    assertTrue(a == root.forAgent("a"), "the same, not checked again");
    assertEquals("rwx------", mode(a.path()));
  }

  @Test
  void aSweep_deletesOnlyFilesFfrtmpNames_andThisUserOwns() throws Exception {
    StateDir d = StateDir.at(tmp.resolve("state"));
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String ours = "ffrtmp-wrapper-job." + gone.pid() + ".1";
    List<Path> notOurs = List.of(d.path().resolve("notes.exit"), d.path().resolve("x.tmp"),
        d.path().resolve("ffrtmp-wrapper-job.exit"), d.path().resolve("backup.start.tmp"));
    Path ourExit = d.exitFile(ours);
    Path ourTmp = d.path().resolve("ffrtmp-wrapper-job." + gone.pid() + ".2.start.tmp");
    for (Path p : notOurs) {
      Files.writeString(p, "someone's\n");
      Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(3600)));
    }
    Files.writeString(ourExit, "x\n");
    Files.writeString(ourTmp, "x\n");
    Path foreign = d.exitFile("ffrtmp-wrapper-other." + gone.pid() + ".3");
    Files.writeString(foreign, "x\n");
    if (Host.isRoot()) {
      Files.setAttribute(foreign, "unix:uid", 65534);
    }
    d.sweep();
    for (Path p : notOurs) {
      assertTrue(Files.exists(p), "not a name ffrtmp gives: kept " + p);
    }
    assertFalse(Files.exists(ourExit), "an exit record of a gone JVM without a start record");
    assertFalse(Files.exists(ourTmp), "a half-written record of a gone JVM");
    if (Host.isRoot()) {
      assertTrue(Files.exists(foreign), "another user's file is never deleted");
    }
  }

  /**
   * A record that cannot be written whole (here the file size limit, as a full disk would)
   * leaves no empty or half temporary file behind: the write runs in a JVM under {@code prlimit
   * --fsize=500}.
   */
  /**
   * An exit record left without its start record (its writer was killed while deleting them)
   * names its writer by pid; when that pid now belongs to a process that started after the
   * record was written, the writer is gone all the same, and the sweep takes the record.
   */
  @Test
  void aSweep_takesALeftoverRecord_whoseWritersPidWasReused() throws Exception {
    StateDir d = StateDir.at(tmp.resolve("reused"));
    Process stranger = new ProcessBuilder("sleep", "30").start();
    try {
      Path left = Files.writeString(d.path().resolve("ffrtmp-wrapper-job."
          + stranger.pid() + ".1.exit"), "ffrtmp-exit 1\n");
      // written 30 s before the process now under that pid started: another writer's
      Files.setLastModifiedTime(left, FileTime.from(stranger.info().startInstant().orElseThrow()
          .minusSeconds(30)));
      Path ownWriter = Files.writeString(d.path().resolve("ffrtmp-wrapper-job."
          + stranger.pid() + ".2.exit"), "ffrtmp-exit 1\n"); // written after it started
      d.sweep();
      assertFalse(Files.exists(left), "its writer is gone: the pid was reused");
      assertTrue(Files.exists(ownWriter), "written by the living process: kept");
    } finally {
      stranger.destroyForcibly().waitFor();
    }
  }

  /** An attach-mode start record of a process, as an adoption writes it. */
  private static StartRecord adoption(String name, long pid, long start) {
    return new StartRecord(name, "job", new StartRecord.Pids(pid, start, 0, 0),
        ProcessHandle.current().pid(), 1, "nice-fallback", null, java.util.Map.of(), List.of(),
        io.ffrtmp.Constraints.DEFAULTS, List.of(), List.of(), Instant.now(), null,
        java.time.Duration.ZERO, io.ffrtmp.Intent.TEST, false, false);
  }

  @Test
  void anAdoptionsMarker_goesWithItsRecord_andASweepTakesOneWhoseProcessIsGone()
      throws Exception {
    StateDir d = StateDir.at(tmp.resolve("markers"));
    Process p = new ProcessBuilder("sleep", "30").start();
    try {
      long start = io.ffrtmp.internal.os.ProcFs.stat(p.pid()).orElseThrow().startTime();
      String name = StateDir.newAttachName("job", p.pid(), start);
      Path marker = d.path().resolve("a" + p.pid() + "-" + start + ".adopted");
      d.writeAdoption(adoption(name, p.pid(), start));
      assertTrue(Files.exists(marker));
      assertEquals(1, d.adoptionsOf(p.pid(), start).size());
      assertEquals(List.of(), d.adoptionsOf(p.pid(), start + 1), "another start time");
      d.delete(name);
      assertFalse(Files.exists(marker), "deleted with the record");
      assertEquals(List.of(), d.adoptionsOf(p.pid(), start));

      Path stale = d.path().resolve("a1-1.adopted"); // no process 1 started at tick 1
      Files.createFile(stale);
      d.writeAdoption(adoption(name, p.pid(), start));
      d.sweep();
      assertFalse(Files.exists(stale), "its process is gone: swept");
      assertTrue(Files.exists(marker), "its process lives: kept");
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  @Test
  void aRecordThatCannotBeWritten_leavesNoTemporaryFile() throws Exception {
    Path state = tmp.resolve("full");
    StateDir.at(state);
    List<String> cmd = new java.util.ArrayList<>(List.of("prlimit", "--fsize=500"));
    cmd.addAll(io.ffrtmp.testing.ChildJvm.command(io.ffrtmp.testing.ChildJvm.classpath(), tmp,
        "io.ffrtmp.internal.keeper.StateDirTest$WriteOne", List.of(state.toString())));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
    assertTrue(out.contains("FAILED File too large"), out);
    try (var files = Files.list(state)) {
      assertEquals(List.of(), files.filter(f -> f.toString().endsWith(".tmp")).toList());
    }
  }

  /** Writes one start record of 1 KiB or more; prints {@code FAILED <why>} if it cannot. */
  static final class WriteOne {
    private WriteOne() {}

    public static void main(String[] args) throws Exception {
      StateDir d = StateDir.at(Path.of(args[0]));
      StartRecord r = new StartRecord(StateDir.newName("full"), "full",
          StartRecord.Pids.NONE, 1, 1, "nice-fallback", null, java.util.Map.of(),
          List.of("x".repeat(1024)), io.ffrtmp.Constraints.DEFAULTS, List.of(), List.of(),
          Instant.now(), null, java.time.Duration.ofSeconds(10), io.ffrtmp.Intent.TEST, false,
          false);
      try {
        d.write(r);
        System.out.println("WRITTEN");
      } catch (IOException e) {
        System.out.println("FAILED " + e.getMessage());
      }
    }
  }
}
