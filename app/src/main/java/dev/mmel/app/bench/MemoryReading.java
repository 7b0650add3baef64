package dev.mmel.app.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * One reading of this process' memory, split so that growth can be told apart: the resident set
 * (VmRSS), the Java heap the JVM has committed (resident once touched, and G1 commits more under
 * load before it settles), the heap in use, and the resident file-backed pages (the index files
 * Lucene maps). What is resident beyond the committed heap and the mapped files is native memory:
 * TensorFlow's allocator, thread stacks, metaspace, direct buffers. Empty fields where /proc
 * cannot tell.
 */
record MemoryReading(OptionalLong resident, long heapCommitted, long heapUsed,
    OptionalLong mappedFiles) {
  private static final Duration UNCOMMIT_SETTLE = Duration.ofSeconds(2);
  static final MemoryReading NONE = new MemoryReading(OptionalLong.empty(), 0, 0,
      OptionalLong.empty());

  /** A reading as the process is, garbage included: cheap enough to take under load. */
  static MemoryReading now() {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    return new MemoryReading(ResidentMemory.ofThisProcess(), heap.getCommitted(),
        heap.getUsed(), ResidentMemory.mappedFilesOfThisProcess());
  }

  /**
   * A reading after a full collection, so that garbage of earlier phases is not counted, and a
   * pause: G1 returns the heap it shrinks to the OS concurrently, after the collection.
   */
  static MemoryReading afterFullCollection() throws InterruptedException {
    System.gc();
    Thread.sleep(UNCOMMIT_SETTLE.toMillis());
    return now();
  }

  boolean present() {
    return resident.isPresent();
  }

  /** Resident native memory: the resident set less the committed heap and the mapped files. */
  OptionalLong nativeResident() {
    if (resident.isEmpty() || mappedFiles.isEmpty()) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Math.max(0, resident.getAsLong() - heapCommitted
        - mappedFiles.getAsLong()));
  }

  /** "resident 3,404 MB (heap 1,749 committed, 940 used; mapped 647; native 1,009)". */
  String describe() {
    if (!present()) {
      return "resident n/a (the server runs elsewhere, or /proc cannot tell)";
    }
    return String.format(Locale.ROOT, "resident %s (heap %,.0f committed, %,.0f used; mapped "
        + "%,.0f; native %,.0f)", megabytes(resident), heapCommitted / 1e6, heapUsed / 1e6,
        mappedFiles.orElse(0) / 1e6, nativeResident().orElse(0) / 1e6);
  }

  static String megabytes(OptionalLong bytes) {
    return bytes.isPresent() ? String.format(Locale.ROOT, "%,.0f MB", bytes.getAsLong() / 1e6)
        : "n/a";
  }
}
