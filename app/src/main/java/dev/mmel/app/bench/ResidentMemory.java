package dev.mmel.app.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Memory read from Linux's /proc: what `mmel bench-index` reports as bytes per entity in memory,
 * and the resident set `mmel bench serving` watches during its soak. Empty where /proc cannot
 * tell (another OS, a remote server).
 */
final class ResidentMemory {
  private static final Path PROC = Path.of("/proc");

  private ResidentMemory() {}

  /**
   * This JVM's share: heap in use after a full collection plus resident file-backed pages
   * (memory-mapped index files, which Lucene searches in place).
   */
  static OptionalLong ofThisJvm() {
    OptionalLong mapped = mappedFilesOfThisProcess();
    if (mapped.isEmpty()) {
      return OptionalLong.empty();
    }
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    return OptionalLong.of(heap + mapped.getAsLong());
  }

  /** This process' resident set (VmRSS): heap as committed, native memory, mapped files. */
  static OptionalLong ofThisProcess() {
    return statusField(PROC.resolve("self/status"), "VmRSS:");
  }

  /** This process' resident file-backed pages (RssFile): the files it maps, as far as read. */
  static OptionalLong mappedFilesOfThisProcess() {
    return statusField(PROC.resolve("self/status"), "RssFile:");
  }

  /** Resident set of every process in the group {@code group}: a server and its children. */
  static OptionalLong ofProcessGroup(long group) {
    long total = 0;
    boolean found = false;
    try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, "[0-9]*")) {
      for (Path process : processes) {
        if (processGroup(process) == group) {
          OptionalLong rss = statusField(process.resolve("status"), "VmRSS:");
          if (rss.isPresent()) {
            total += rss.getAsLong();
            found = true;
          }
        }
      }
    } catch (IOException e) {
      return OptionalLong.empty();
    }
    return found ? OptionalLong.of(total) : OptionalLong.empty();
  }

  /** Field 5 of /proc/PID/stat, counted after the parenthesised command name. */
  private static long processGroup(Path process) {
    try {
      String stat = Files.readString(process.resolve("stat"), StandardCharsets.US_ASCII);
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[2]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** A "Name:   123 kB" line of a /proc status file, in bytes. */
  private static OptionalLong statusField(Path file, String name) {
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
        if (line.startsWith(name)) {
          String[] parts = line.substring(name.length()).strip().split("\\s+");
          return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
        }
      }
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
    return OptionalLong.empty();
  }
}
