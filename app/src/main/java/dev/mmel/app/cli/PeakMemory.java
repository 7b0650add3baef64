package dev.mmel.app.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's peak resident set size, from /proc (Linux); -1 where unavailable. */
final class PeakMemory {
  private PeakMemory() {}

  static long residentMegabytes() {
    try {
      return Files.readString(Path.of("/proc/self/status")).lines()
          .filter(line -> line.startsWith("VmHWM:")).findFirst()
          .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024).orElse(-1L);
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }
}
