package io.ffrtmp.internal.os;

import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * Makes JNA's start in a fresh JVM cheaper. JNA's first direct-mapped registration initialises
 * {@code Structure.FFIType}, and JNA reads that structure's field order from its
 * {@code @FieldOrder} annotation: the JDK then generates three proxy classes (the annotation and
 * its {@code @Retention} and {@code @Target}), which JDK 17's class-data sharing cannot archive
 * — a cost on every CLI start (PERFORMANCE.md has the figure). {@link #prime()} puts the same order into
 * JNA's own cache of field orders first, so the annotation is never read. (The other reader of
 * an annotation on JNA's start is {@code Native.register(String)}, which finds its caller
 * through a reflective call, and the JDK looks for {@code @CallerSensitive} on it: ffrtmp's
 * bindings name their class, {@code Native.register(Class, String)}.)
 *
 * <p>Best effort: where the cache is not there (another JNA version) or cannot be reached (a
 * JNA whose package is not open to this module: JNA's jar is an automatic module, open on the
 * module path as on the class path, but an explicit module such as {@code jna-jpms} is not),
 * nothing happens and JNA reads the annotation as it would have. The order is JNA 5's {@code
 * FFIType} order, checked against the annotation by {@code JnaStartTest}.
 */
public final class JnaStart {
  /** {@code Structure.FFIType}'s fields, in its {@code @FieldOrder}. */
  static final List<String> FFI_TYPE_ORDER = List.of("size", "alignment", "type", "elements");

  private static volatile boolean done;

  private JnaStart() {}

  /**
   * Primes JNA's field-order cache for {@code Structure.FFIType}; call before the first {@code
   * Native.register}. Cheap after the first call.
   *
   * @return whether the cache holds the order now (false where it could not be primed)
   */
  public static boolean prime() {
    if (done) {
      return true;
    }
    synchronized (JnaStart.class) {
      if (!done) {
        done = tryPrime();
      }
      return done;
    }
  }

  @SuppressWarnings("unchecked")
  private static boolean tryPrime() {
    try {
      ClassLoader loader = JnaStart.class.getClassLoader();
      Class<?> structure = Class.forName("com.sun.jna.Structure", false, loader);
      // FFIType is not initialised here: its static initialiser is what reads the annotation
      Class<?> ffiType = Class.forName("com.sun.jna.Structure$FFIType", false, loader);
      Field cache = structure.getDeclaredField("fieldOrder");
      cache.setAccessible(true);
      Object map = cache.get(null);
      if (!(map instanceof Map)) {
        return false;
      }
      Map<Class<?>, List<String>> orders = (Map<Class<?>, List<String>>) map;
      Field lockField = structure.getDeclaredField("cacheStructureLock");
      lockField.setAccessible(true);
      if (!(lockField.get(null) instanceof ReadWriteLock lock)) {
        return false;
      }
      lock.writeLock().lock(); // JNA's own lock over its structure caches
      try {
        orders.putIfAbsent(ffiType, FFI_TYPE_ORDER);
      } finally {
        lock.writeLock().unlock();
      }
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false; // JNA reads the annotation itself, as without this
    }
  }
}
