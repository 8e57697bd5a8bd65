package io.ffrtmp.internal.os;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

class ErrnoTest {
  @Test
  void errorNumbers_areNamedAndSaidInWords() {
    assertEquals("EMFILE (Too many open files)", Errno.describe(24));
    assertEquals("EPERM (Operation not permitted)", Errno.describe(1));
    assertEquals("errno 4095", Errno.describe(4095));
    assertEquals("No such file or directory", Errno.text(2), "the JDK's own wording");
    assertEquals("ENOTSOCK (Socket operation on non-socket)", Errno.describe(88));
  }

  /** The C library's strerror(3), here. */
  private interface CLib extends com.sun.jna.Library {
    CLib C = com.sun.jna.Native.load("c", CLib.class);

    String strerror(int errno);
  }

  @Test
  void everyNameInTheTable_saysWhatTheCLibrarySays() {
    for (int n = 1; n < 134; n++) {
      String text = Errno.text(n);
      if (!text.startsWith("errno ")) {
        assertEquals(CLib.C.strerror(n), text, "errno " + n);
      }
    }
  }

  @Test
  void theJdksFileExceptions_getTheErrnoTheirMessageLacks() {
    assertEquals("EACCES (Permission denied)",
        Errno.describe(new AccessDeniedException("/proc/1/oom_score_adj")));
    assertEquals("ENOENT (No such file or directory)",
        Errno.describe(new NoSuchFileException("/x")));
    assertEquals("Device or resource busy",
        Errno.describe(new FileSystemException("/x", null, "Device or resource busy")));
    assertEquals("broken", Errno.describe(new IOException("broken")));
  }
}
