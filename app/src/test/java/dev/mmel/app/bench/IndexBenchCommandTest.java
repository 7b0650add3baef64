package dev.mmel.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.app.MmelCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `mmel bench-index` on the embedded store at tiny sizes, read back from its Markdown. */
class IndexBenchCommandTest {
  private static final String SEARCH_HEADER =
      "| store | k | clients | recall@k | QPS | ratio to exact | p50 ms | p99 ms |";
  private static final String BUILD_HEADER = "| build of 2,000 entities | seconds | seconds per "
      + "100k entities | ratio to flat file | bytes per entity on disk | ratio to raw payload "
      + "| measured |";
  private static final String MEMORY_HEADER = "| memory of 2,000 entities | bytes per entity "
      + "in memory | ratio to the raw vectors | measured |";
  private static final String EXACT = "exact brute force (baseline)";
  private static final String EMBEDDED = "embedded (Lucene HNSW, 200 candidates)";

  private record Run(int code, String out, String err) {}

  @Test
  void reportsRecallSpeedAndSizeOfTheEmbeddedStoreAgainstExactSearch(@TempDir Path work) {
    Run run = run("bench-index", "--store", "embedded", "--entities", "2000", "--dim", "32",
        "--queries", "50", "--rounds", "1", "--work-dir", work.toString());
    assertEquals(0, run.code(), run.err());

    List<String[]> search = table(run.out(), SEARCH_HEADER);
    assertEquals(8, search.size(), "2 engines x 2 k x 2 client counts:\n" + run.out());
    Set<String> configs = new HashSet<>();
    for (String[] row : search) {
      String where = String.join(" | ", row);
      assertEquals(8, row.length, where);
      configs.add(row[0] + "/" + row[1] + "/" + row[2]);
      double recall = number(row[3]);
      double ratio = number(row[5]);
      double p50 = number(row[6]);
      double p99 = number(row[7]);
      assertTrue(number(row[4]) > 0, "QPS: " + where);
      assertTrue(ratio > 0, "ratio to exact: " + where);
      assertTrue(p50 > 0 && p50 <= p99, "latency percentiles: " + where);
      if (row[0].equals(EXACT)) {
        assertEquals(1.0, recall, 0, where);
        assertEquals(1.0, ratio, 0, "the baseline's own ratio: " + where);
      } else {
        assertEquals(EMBEDDED, row[0], where);
        assertTrue(recall > 0.5 && recall <= 1.0, "recall: " + where);
      }
    }
    for (String engine : List.of(EXACT, EMBEDDED)) {
      for (String k : List.of("10", "100")) {
        for (String clients : List.of("1", "8")) {
          assertTrue(configs.contains(engine + "/" + k + "/" + clients),
              engine + " k=" + k + " clients=" + clients + " missing:\n" + run.out());
        }
      }
    }

    List<String[]> build = table(run.out(), BUILD_HEADER);
    assertEquals(2, build.size(), run.out());
    assertTrue(build.get(0)[0].endsWith("(baseline)"), run.out());
    assertEquals(1.0, number(build.get(0)[3]), 0);
    assertEquals(EMBEDDED, build.get(1)[0]);
    // 9,792 rerank floats per entity as fp16: the index must hold at least that payload.
    double rerankBytes = 2 * 9_792;
    for (String[] row : build) {
      String where = String.join(" | ", row);
      assertTrue(number(row[1]) > 0 && number(row[3]) > 0, "build time and ratio: " + where);
      assertTrue(number(row[4]) > rerankBytes, "bytes per entity: " + where);
      assertTrue(number(row[5]) > 0.9, "bytes against the raw payload: " + where);
    }
    List<String[]> memory = table(run.out(), MEMORY_HEADER);
    assertEquals(2, memory.size(), run.out());
    // 32 floats of 4 bytes per entity; the index holds at least its vectors.
    assertEquals(128, number(memory.get(0)[1]), 0, run.out());
    assertEquals(EMBEDDED, memory.get(1)[0]);
    assertTrue(number(memory.get(1)[1]) > 0, "bytes per entity in memory: " + run.out());
    assertTrue(run.out().contains("SYNTHETIC data, not WikiMEL: 2,000 entities, 32-d"),
        run.out());
    assertTrue(Pattern.compile("Embedded build: of its [\\d.]+ s, publishing \\(the merge into "
        + "one segment, its HNSW graph built by \\d+ threads?\\) took [\\d.]+ s\\.")
        .matcher(run.out()).find(), run.out());
    assertTrue(run.err().contains("round 1 of 1"), "progress goes to stderr: " + run.err());
    assertTrue(leftovers(work).isEmpty(), "work files left behind: " + leftovers(work));
  }

  @Test
  void refusesMoreResultsThanEntities(@TempDir Path work) {
    Run run = run("bench-index", "--store", "embedded", "--entities", "50", "--k", "10,100",
        "--work-dir", work.toString());
    assertEquals(2, run.code(), run.err());
    assertTrue(run.err().contains("--k must be within 1..50"), run.err());
  }

  @Test
  void severalSearchBreadthsShareOneBuildAndAreMeasuredInTheSameRounds(@TempDir Path work) {
    Run run = run("bench-index", "--store", "embedded", "--entities", "300", "--dim", "16",
        "--queries", "20", "--rounds", "1", "--k", "10", "--clients", "1",
        "--embedded-candidates", "40,80", "--work-dir", work.toString());
    assertEquals(0, run.code(), run.err());
    List<String[]> search = table(run.out(), SEARCH_HEADER);
    assertEquals(List.of(EXACT, "embedded (Lucene HNSW, 40 candidates)",
        "embedded (Lucene HNSW, 80 candidates)"), search.stream().map(row -> row[0]).toList(),
        run.out());
    for (String[] row : search) {
      assertTrue(number(row[4]) > 0, "QPS: " + String.join(" | ", row));
    }
    // One build and one memory figure for the store, under its first breadth's name.
    List<String> built = table(run.out(), BUILD_HEADER.replace("2,000", "300")).stream()
        .map(row -> row[0]).toList();
    assertEquals(2, built.size(), run.out());
    assertEquals("embedded (Lucene HNSW, 40 candidates)", built.get(1), run.out());
    assertEquals(2, table(run.out(), MEMORY_HEADER.replace("2,000", "300")).size(), run.out());
    assertTrue(leftovers(work).isEmpty(), "work files left behind: " + leftovers(work));
  }

  @Test
  void searchBreadthsOutOfRangeOrRepeatedAreRefused(@TempDir Path work) {
    Run zero = run("bench-index", "--store", "embedded", "--embedded-candidates", "0",
        "--work-dir", work.toString());
    assertEquals(2, zero.code(), zero.err());
    assertTrue(zero.err().contains("--embedded-candidates must be within 1..32768, got 0"),
        zero.err());
    Run twice = run("bench-index", "--store", "milvus", "--milvus-ef", "200,64,200",
        "--work-dir", work.toString());
    assertEquals(2, twice.code(), twice.err());
    assertTrue(twice.err().contains("--milvus-ef lists 200 twice"), twice.err());
    Run tooWide = run("bench-index", "--store", "milvus", "--milvus-ef", "40000",
        "--work-dir", work.toString());
    assertEquals(2, tooWide.code(), tooWide.err());
    assertTrue(tooWide.err().contains("--milvus-ef must be within 1..32768, got 40000"),
        tooWide.err());
    Run noWorkers = run("bench-index", "--store", "embedded", "--merge-workers", "0",
        "--work-dir", work.toString());
    assertEquals(2, noWorkers.code(), noWorkers.err());
    assertTrue(noWorkers.err().contains("--merge-workers must be within 1..512, got 0"),
        noWorkers.err());
  }

  /** The rows of the Markdown table under {@code header}, cells trimmed. */
  private static List<String[]> table(String out, String header) {
    List<String> lines = out.lines().toList();
    int at = lines.indexOf(header);
    assertTrue(at >= 0, "no table '" + header + "' in:\n" + out);
    assertTrue(lines.get(at + 1).matches("(\\|---)+\\|"), "separator row: " + lines.get(at + 1));
    List<String[]> rows = new ArrayList<>();
    for (int i = at + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      String line = lines.get(i);
      String[] cells = line.substring(1, line.length() - 1).split("\\|");
      for (int c = 0; c < cells.length; c++) {
        cells[c] = cells[c].strip();
      }
      rows.add(cells);
    }
    return rows;
  }

  private static double number(String cell) {
    return Double.parseDouble(cell.replace(",", ""));
  }

  private static List<Path> leftovers(Path work) {
    try (Stream<Path> files = Files.list(work)) {
      return files.toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = MmelCli.commandLine().execute(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }
}
