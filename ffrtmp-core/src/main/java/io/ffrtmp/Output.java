package io.ffrtmp;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where a workload's standard output or error goes ({@link WorkloadBuilder#withStdout(Output)},
 * {@link WorkloadBuilder#withStderr(Output)}). None of them can block the workload on a full
 * pipe.
 *
 * <p>A workload outlives its governing JVM (the library never owns it), so what it writes must
 * not depend on that JVM: {@link #toFile(Path)}, {@link #appendTo(Path)} and {@link #discard()}
 * are opened by the workload itself and need nothing of the JVM. {@link #inherit()} shares the
 * JVM's own descriptor — a terminal, a file or the journal are safe, but a <em>pipe</em> whose
 * reader goes away with the JVM (an agent started by a parent process through a pipe) makes the
 * workload's next write fail: it dies of {@code SIGPIPE}. The library logs a warning the first
 * time a workload inherits a pipe. {@link #capture(int)} reads the stream into this JVM, and so
 * shares that fate: use it for short jobs whose output the caller wants, files for the rest.
 */
public final class Output {
  /** The largest capture: 64 MiB. */
  public static final int MAX_CAPTURE_BYTES = 64 << 20;

  /** What an {@link Output} does. */
  public enum Kind {
    /** This JVM's own descriptor. */
    INHERIT,
    /** Nowhere ({@code /dev/null}). */
    DISCARD,
    /** A file, created or truncated. */
    FILE,
    /** A file, created or appended to. */
    APPEND,
    /** Read by this JVM, the last bytes kept. */
    CAPTURE
  }

  private static final Output INHERIT = new Output(Kind.INHERIT, null, 0);
  private static final Output DISCARD = new Output(Kind.DISCARD, null, 0);

  private final Kind kind;
  private final @Nullable Path file;
  private final int maxBytes;

  private Output(Kind kind, @Nullable Path file, int maxBytes) {
    this.kind = kind;
    this.file = file;
    this.maxBytes = maxBytes;
  }

  /**
   * The JVM's own standard output or error, as {@link ProcessBuilder.Redirect#INHERIT}: the
   * default of {@link Workload#run(String...)}. See the class comment about pipes.
   *
   * @return the output
   */
  public static Output inherit() {
    return INHERIT;
  }

  /**
   * Nowhere: the workload writes to {@code /dev/null}.
   *
   * @return the output
   */
  public static Output discard() {
    return DISCARD;
  }

  /**
   * A file the workload writes itself, created or truncated at the start; it keeps writing
   * there whatever becomes of this JVM.
   *
   * @param file the file (its directory must exist)
   * @return the output
   */
  public static Output toFile(Path file) {
    return new Output(Kind.FILE, requireNonNull(file, "file"), 0);
  }

  /**
   * A file the workload appends to, created if missing; it keeps writing there whatever becomes
   * of this JVM.
   *
   * @param file the file (its directory must exist)
   * @return the output
   */
  public static Output appendTo(Path file) {
    return new Output(Kind.APPEND, requireNonNull(file, "file"), 0);
  }

  /**
   * Read by this JVM as it comes, the last {@code maxBytes} kept (older bytes are dropped, so a
   * talkative workload never blocks on a full pipe and never fills the heap): {@link
   * GovernedWorkload#capturedStdout()} and {@link GovernedWorkload#capturedStderr()} return it
   * as text (UTF-8), complete once the report is delivered unless a process the workload left
   * behind still holds the stream open. One thread per captured stream reads it. The workload
   * writes into a pipe this JVM reads: should the JVM die first, its next write kills it
   * ({@code SIGPIPE}) — use a file for output that must outlive the JVM.
   *
   * @param maxBytes how many bytes to keep, 1 to {@value #MAX_CAPTURE_BYTES}
   * @return the output
   * @throws IllegalArgumentException for a size out of that range, naming it
   */
  public static Output capture(int maxBytes) {
    if (maxBytes < 1 || maxBytes > MAX_CAPTURE_BYTES) {
      throw new IllegalArgumentException("maxBytes must be 1 to " + MAX_CAPTURE_BYTES
          + " (64 MiB), got " + maxBytes);
    }
    return new Output(Kind.CAPTURE, null, maxBytes);
  }

  /**
   * What it does.
   *
   * @return the kind
   */
  public Kind kind() {
    return kind;
  }

  /**
   * The file, for {@link Kind#FILE} and {@link Kind#APPEND}.
   *
   * @return the file, or empty
   */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  /**
   * How many bytes a capture keeps.
   *
   * @return the size for {@link Kind#CAPTURE}, else 0
   */
  public int maxBytes() {
    return maxBytes;
  }

  /**
   * The redirect a {@link ProcessBuilder} gets for it.
   *
   * @return the redirect ({@code PIPE} for a capture)
   */
  public ProcessBuilder.Redirect redirect() {
    switch (kind) {
      case INHERIT:
        return ProcessBuilder.Redirect.INHERIT;
      case DISCARD:
        return ProcessBuilder.Redirect.DISCARD;
      case FILE:
        return ProcessBuilder.Redirect.to(requireNonNull(file).toFile());
      case APPEND:
        return ProcessBuilder.Redirect.appendTo(requireNonNull(file).toFile());
      default:
        return ProcessBuilder.Redirect.PIPE;
    }
  }

  @Override
  public String toString() {
    return kind == Kind.CAPTURE ? "capture(" + maxBytes + ")"
        : kind.name().toLowerCase(java.util.Locale.ROOT) + (file == null ? "" : "(" + file + ")");
  }
}
