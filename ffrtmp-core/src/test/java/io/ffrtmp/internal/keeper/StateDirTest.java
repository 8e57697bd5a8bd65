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
}
