package dev.mmel.pipeline;

import java.nio.file.Path;

/** Where a job's reports go when only the malformed-record report is named. */
final class Reports {
  private static final String MALFORMED = "malformed.txt";

  private Reports() {}

  /** {@code b1-malformed.txt} -> {@code b1-unreadable-images.txt}; other names get a suffix. */
  static Path besideMalformed(Path malformedReport) {
    String name = malformedReport.getFileName().toString();
    return malformedReport.resolveSibling(name.endsWith(MALFORMED)
        ? name.substring(0, name.length() - MALFORMED.length()) + "unreadable-images.txt"
        : name + ".unreadable-images.txt");
  }
}
