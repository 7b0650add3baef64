package dev.mmel.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.app.cli.CliRun;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.KbJsonl;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.pipeline.IndexAssertions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `mmel bench serving` end to end at tiny sizes: the tiny random model over an index of 60 real
 * WikiMEL entities (`mmel index build`), both clients (ghz from infra/tools.sh) at two levels,
 * the index padded to 300, a soak of a few seconds after a warm-up of two. Every row must be there without errors, and
 * the ratios printed.
 */
class ServingBenchCommandIT {
  private static final Pattern RATIO = Pattern.compile("\\d+\\.\\d{3} \\((met|missed)\\)");

  @Test
  void loadsTheServerWithBothClientsAtEveryLevel(@TempDir Path dir) throws Exception {
    Path model = dir.resolve("model");
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 3,
        SharedData.file(SharedData.CLIP_VOCAB), model);
    Path kb = Files.write(dir.resolve("kb.jsonl"), IndexAssertions.wikiMelEntities(60).stream()
        .map(KbJsonl::toLine).toList());
    Path index = dir.resolve("index");
    CliRun build = CliRun.of("index", "build", "--kb", kb.toString(), "--model",
        model.toString(), "--index", index.toString(), "--checkpoint-interval", "500ms");
    assertEquals(0, build.code(), build.printed());

    CliRun run = CliRun.of("bench", "serving", "--model", model.toString(),
        "--index", index.toString(), "--queries", "20", "--concurrency", "1,4",
        "--requests", "30", "--warmup", "5", "--rounds", "1", "--baseline-calls", "16",
        "--max-batch", "8", "--candidates-k", "10", "--threads", "2",
        "--scale", "300", "--scale-dir", dir.resolve("padded").toString(),
        "--soak", "3s", "--soak-warmup", "2s", "--work-dir", dir.resolve("work").toString());
    assertEquals(0, run.code(), run.printed());
    String out = run.out();

    for (String index1 : List.of("embedded (60 entities)", "embedded, padded (300 entities)")) {
      for (String level : List.of("1", "4")) {
        for (String client : List.of("java", "ghz")) {
          String[] row = row(out, "| " + index1 + " | " + client + " | " + level + " |");
          assertEquals("30", row[3], "calls: " + String.join("|", row));
          assertTrue(Double.parseDouble(row[4]) > 0, "p50: " + String.join("|", row));
          assertTrue(Double.parseDouble(row[5]) >= Double.parseDouble(row[4]),
              "p99 >= p50: " + String.join("|", row));
          assertTrue(Double.parseDouble(row[6].replace(",", "")) > 0, String.join("|", row));
          assertEquals("0", row[7], "errors: " + String.join("|", row));
        }
      }
    }
    String[] overhead = row(out, "| serving overhead: served p50 at concurrency 1 / compute p50 "
        + "of one request |");
    String[] saturation = row(out, "| saturation: served throughput at concurrency 4 / raw "
        + "batched throughput |");
    for (String[] ratio : List.of(overhead, saturation)) {
      assertEquals(4, ratio.length, String.join("|", ratio));
      assertTrue(RATIO.matcher(ratio[1]).matches(), "java: " + ratio[1]);
      assertTrue(RATIO.matcher(ratio[2]).matches(), "ghz: " + ratio[2]);
    }
    String[] round = row(out, "| 1 | ");
    assertEquals(6, round.length, "per-round overhead: " + String.join("|", round));
    double compute = Double.parseDouble(round[1]);
    assertEquals(Double.parseDouble(round[2]) / compute, Double.parseDouble(round[3]), 0.01,
        "java overhead = java p50 / compute p50");
    assertEquals(Double.parseDouble(round[4]) / compute, Double.parseDouble(round[5]), 0.01,
        "ghz overhead = ghz p50 / compute p50");
    assertEquals(overhead[1].split(" ")[0], round[3], "one round: its ratio is the median");
    row(out, "| compute of one request: prepare and encode 1 mention, score_candidates over its "
        + "10 candidates |");
    for (String index1 : List.of("embedded (60 entities)", "embedded, padded (300 entities)")) {
      String[] stages = row(out, "| " + index1 + " | 30 |");
      assertEquals(9, stages.length, "stage timings: " + String.join("|", stages));
    }
    Matcher answers = Pattern.compile("Top-1 answers to the same 20 queries \\(each sent once\\): "
        + "(\\d+) differ .*; 0 calls failed").matcher(out);
    assertTrue(answers.find(), out);
    Matcher soakCalls = Pattern.compile("\\| calls \\(soak; warm-up\\), achieved rate of the "
        + "soak \\| ([\\d,]+); ([\\d,]+), ").matcher(out);
    assertTrue(soakCalls.find(), out);
    assertTrue(Long.parseLong(soakCalls.group(1).replace(",", "")) > 0, "soak calls");
    assertTrue(Long.parseLong(soakCalls.group(2).replace(",", "")) > 0, "warm-up calls");
    assertTrue(out.contains("| errors (soak; warm-up) | 0; 0 (goal 0: met) |"), out);
    assertTrue(out.contains("| resident set of this process"), out);
    assertTrue(out.contains("| of it: native (the rest), start / end |"), out);
    assertTrue(Files.isRegularFile(dir.resolve("padded/padding.properties")),
        "the padded index is kept for the next run");
    try (Stream<Path> left = Files.list(dir.resolve("work"))) {
      assertEquals(List.of(), left.toList(), "the run's ghz files are removed");
    }
  }

  /** The cells of the one table row starting with {@code start}. */
  private static String[] row(String out, String start) {
    List<String> rows = out.lines().filter(line -> line.startsWith(start)).toList();
    assertEquals(1, rows.size(), "one row '" + start + "' in:\n" + out);
    String line = rows.get(0);
    return Arrays.stream(line.substring(1, line.length() - 1).split("\\|"))
        .map(String::strip).toArray(String[]::new);
  }
}
