package io.ffrtmp.cgroups;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The running kernel's own code, read back from {@code /proc/kcore} (root only): the bytes from
 * {@code _stext} to {@code _etext}, as they are now. What the VM suites compare to see that a
 * test patched no kernel text: a static key switched on or off rewrites its jump sites at run
 * time (x86's {@code text_poke_bp}, through an {@code int3} on every site), and under qemu's
 * software emulation that patching now and then froze the guest (see run-vm-suite.sh, "the
 * kernel's static keys").
 */
public final class KernelText {
  private static final Path KCORE = Path.of("/proc/kcore");
  private static final Path KALLSYMS = Path.of("/proc/kallsyms");
  private static final int PT_LOAD = 1;

  /** The core kernel's text symbols, read once: they hold for the whole boot. */
  private static Symbols symbols;

  private final Symbols names;
  private final byte[] text;

  private KernelText(Symbols names, byte[] text) {
    this.names = names;
    this.text = text;
  }

  /** Where the text starts and ends, and each text symbol by address. */
  private record Symbols(long stext, long etext, TreeMap<Long, String> byAddress) {}

  /** The kernel's text as it is now. */
  public static KernelText now() throws IOException {
    Symbols s = symbols();
    if (s.stext() == 0 || s.etext() <= s.stext()) {
      throw new IOException("/proc/kallsyms gives no addresses (kptr_restrict?): _stext "
          + Long.toHexString(s.stext()) + ", _etext " + Long.toHexString(s.etext()));
    }
    return new KernelText(s, read(s.stext(), Math.toIntExact(s.etext() - s.stext())));
  }

  /**
   * The places where {@code later} differs from this, one line each ({@code update_curr+0x73: 66
   * 90 -> eb 0b}), at most {@code limit}; empty when the text is the same.
   */
  public List<String> changedIn(KernelText later, int limit) {
    List<String> changes = new ArrayList<>();
    int n = Math.min(text.length, later.text.length);
    HexFormat hex = HexFormat.ofDelimiter(" ");
    int i = 0;
    while (changes.size() < limit) {
      int d = Arrays.mismatch(text, i, n, later.text, i, n);
      if (d < 0) {
        break;
      }
      i += d;
      int end = i;
      while (end < n && end - i < 8 && text[end] != later.text[end]) {
        end++;
      }
      long at = names.stext() + i;
      Map.Entry<Long, String> sym = names.byAddress().floorEntry(at);
      String where = sym == null ? Long.toHexString(at)
          : sym.getValue() + "+0x" + Long.toHexString(at - sym.getKey());
      changes.add(where + ": " + hex.formatHex(text, i, end) + " -> "
          + hex.formatHex(later.text, i, end));
      i = end;
    }
    return changes;
  }

  private static synchronized Symbols symbols() throws IOException {
    if (symbols == null) {
      TreeMap<Long, String> byAddress = new TreeMap<>();
      long stext = 0;
      long etext = 0;
      try (BufferedReader r = Files.newBufferedReader(KALLSYMS)) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          // "ffffffff810ec740 t update_curr"; a module's symbol has "\t[module]" after its name
          int a = line.indexOf(' ');
          int b = line.indexOf(' ', a + 1);
          if (a > 0 && b == a + 2 && line.indexOf('\t', b + 1) < 0
              && (line.charAt(a + 1) == 'T' || line.charAt(a + 1) == 't')) {
            long at = Long.parseUnsignedLong(line, 0, a, 16);
            String name = line.substring(b + 1);
            byAddress.putIfAbsent(at, name);
            if (name.equals("_stext")) {
              stext = at;
            } else if (name.equals("_etext")) {
              etext = at;
            }
          }
        }
      }
      symbols = new Symbols(stext, etext, byAddress);
    }
    return symbols;
  }

  /**
   * The load under which the freeze was reproduced: a shell loop for each CPU, and a shell that
   * sleeps and wakes every 10 ms (the scheduler's paths busy on every CPU). {@link #endLoops}
   * ends them.
   */
  public static List<Process> busyLoops() throws IOException {
    List<Process> loops = new ArrayList<>();
    try {
      for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
        loops.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
      }
      loops.add(new ProcessBuilder("sh", "-c", "while :; do sleep 0.01; done").start());
    } catch (IOException e) {
      endLoops(loops);
      throw e;
    }
    return loops;
  }

  /** Kills the loops of {@link #busyLoops} and waits for their ends. */
  public static void endLoops(List<Process> loops) {
    loops.forEach(Process::destroyForcibly);
    for (Process p : loops) {
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** {@code length} bytes at kernel address {@code from}, through kcore's ELF program headers. */
  private static byte[] read(long from, int length) throws IOException {
    try (FileChannel kcore = FileChannel.open(KCORE, StandardOpenOption.READ)) {
      ByteBuffer header = readAt(kcore, 0, 64);
      long phoff = header.getLong(0x20);
      int phentsize = Short.toUnsignedInt(header.getShort(0x36));
      int phnum = Short.toUnsignedInt(header.getShort(0x38));
      ByteBuffer table = readAt(kcore, phoff, phentsize * phnum);
      for (int i = 0; i < phnum; i++) {
        int e = i * phentsize;
        long offset = table.getLong(e + 8);
        long vaddr = table.getLong(e + 16);
        long filesz = table.getLong(e + 32);
        if (table.getInt(e) == PT_LOAD && Long.compareUnsigned(vaddr, from) <= 0
            && Long.compareUnsigned(from + length, vaddr + filesz) <= 0) {
          ByteBuffer bytes = readAt(kcore, offset + (from - vaddr), length);
          byte[] out = new byte[length];
          bytes.get(0, out);
          return out;
        }
      }
    }
    throw new IOException("no segment of " + KCORE + " holds " + Long.toHexString(from));
  }

  private static ByteBuffer readAt(FileChannel channel, long position, int length)
      throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (channel.read(b, position + b.position()) < 0) {
        throw new IOException("end of " + KCORE + " at " + (position + b.position()));
      }
    }
    return b.flip();
  }
}
