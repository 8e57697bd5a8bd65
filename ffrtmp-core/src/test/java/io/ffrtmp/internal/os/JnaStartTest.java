package io.ffrtmp.internal.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ffrtmp.testing.ChildJvm;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JnaStartTest {
  @TempDir Path dir;

  /** The order put into JNA's cache is the one JNA's own annotation gives. */
  @Test
  void theOrder_isFfiTypesFieldOrder() throws Exception {
    Class<?> ffiType = Class.forName("com.sun.jna.Structure$FFIType");
    com.sun.jna.Structure.FieldOrder order =
        ffiType.getAnnotation(com.sun.jna.Structure.FieldOrder.class);
    assertEquals(Arrays.asList(order.value()), JnaStart.FFI_TYPE_ORDER);
  }

  @Test
  void onTheClassPath_jnasCacheHoldsTheOrder() throws Exception {
    assertFalse(com.sun.jna.Native.class.getModule().isNamed(), "the tests run on the class path");
    assertTrue(JnaStart.prime());
    assertTrue(JnaStart.prime(), "again: no harm");
    Field f = com.sun.jna.Structure.class.getDeclaredField("fieldOrder");
    f.setAccessible(true);
    List<?> cached = (List<?>) ((Map<?, ?>) f.get(null))
        .get(Class.forName("com.sun.jna.Structure$FFIType"));
    assertEquals(JnaStart.FFI_TYPE_ORDER, cached);
  }

  /**
   * In a fresh JVM, JNA's start (the first native call, through {@link Posix}) reads no
   * annotation: no proxy class is generated (the cost this class removes).
   */
  @Test
  void aFreshJvmsFirstNativeCall_generatesNoAnnotationProxy() throws Exception {
    firstCallLoadsNoProxy(ChildJvm.classpath(), List.of());
  }

  /** The same with JNA on the module path (an automatic module: its packages are open). */
  @Test
  void withJnaOnTheModulePath_too() throws Exception {
    List<String> entries = List.of(ChildJvm.classpath().split(java.io.File.pathSeparator));
    String jna = entries.stream().filter(e -> e.matches(".*/jna-[0-9.]+\\.jar")).findFirst()
        .orElseThrow(() -> new AssertionError("no JNA jar on " + entries));
    String rest = String.join(java.io.File.pathSeparator,
        entries.stream().filter(e -> !e.equals(jna)).toList());
    firstCallLoadsNoProxy(rest, List.of("-p", jna, "--add-modules", "com.sun.jna"));
  }

  private void firstCallLoadsNoProxy(String classpath, List<String> jvmArgs) throws Exception {
    List<String> args = new java.util.ArrayList<>(jvmArgs);
    args.add("-Xlog:class+load=info:stdout");
    List<String> cmd = ChildJvm.command(classpath, dir, args, FirstCall.class.getName(),
        List.of());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("first-call-done"), out);
    assertTrue(out.contains("com.sun.jna.Structure$FFIType "), "JNA was started: " + out);
    assertTrue(out.contains("jna-in-a-named-module " + !jvmArgs.isEmpty()), out);
    assertFalse(out.contains("$Proxy"), "an annotation proxy was generated: "
        + out.lines().filter(l -> l.contains("$Proxy")).toList());
  }

  /** The child: one system call through Posix, the way a launch's first one goes. */
  public static final class FirstCall {
    private FirstCall() {}

    public static void main(String[] args) {
      int r = Posix.kill((int) ProcessHandle.current().pid(), 0);
      assertSame(0, r);
      System.out.println("first-call-done");
      boolean named = com.sun.jna.Native.class.getModule().isNamed();
      System.out.println("jna-in-a-named-module " + named);
    }
  }
}
