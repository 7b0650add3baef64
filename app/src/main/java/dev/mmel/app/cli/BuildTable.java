package dev.mmel.app.cli;

import dev.mmel.retriever.BuildInfo;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/** Builds of an index as a table with aligned columns, as `mmel index list` and `gc` print them. */
final class BuildTable {
  private static final List<String> HEADER = List.of("BUILD", "STATE", "ENTITIES",
      "MODEL VERSION", "CREATED", "SIZE");
  private static final DateTimeFormatter CREATED = DateTimeFormatter
      .ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());
  private static final String UNKNOWN = "-";

  private BuildTable() {}

  static void print(List<BuildInfo> builds, PrintWriter out) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(HEADER);
    for (BuildInfo build : builds) {
      rows.add(List.of(build.buildId(), build.state().label(), count(build.entities()),
          build.modelVersion().orElse(UNKNOWN), time(build.created()),
          size(build.bytesOnDisk())));
    }
    int[] widths = new int[HEADER.size()];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        String cell = row.get(i);
        // Numbers align right, text left; the last column needs no padding after it.
        boolean number = i == 2 || i == 5;
        String padding = " ".repeat(widths[i] - cell.length());
        line.append(number ? padding + cell : i == row.size() - 1 ? cell : cell + padding);
        if (i < row.size() - 1) {
          line.append("  ");
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }

  private static String count(OptionalLong entities) {
    return entities.isPresent() ? String.format(Locale.ROOT, "%,d", entities.getAsLong())
        : UNKNOWN;
  }

  private static String time(Optional<Instant> at) {
    return at.map(CREATED::format).orElse(UNKNOWN);
  }

  private static String size(OptionalLong bytes) {
    if (bytes.isEmpty()) {
      return UNKNOWN;
    }
    double b = bytes.getAsLong();
    String[] units = {"B", "KB", "MB", "GB", "TB"};
    int unit = 0;
    while (b >= 1000 && unit < units.length - 1) {
      b /= 1000;
      unit++;
    }
    return unit == 0 ? String.format(Locale.ROOT, "%.0f B", b)
        : String.format(Locale.ROOT, "%.1f %s", b, units[unit]);
  }
}
