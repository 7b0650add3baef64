package dev.mmel.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.app.cli.CliRun;
import dev.mmel.model.data.LinkingDataset;
import dev.mmel.model.data.WikiMelSample;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `mmel bench-index --run` on real data: a small WikiMEL sample, a matcher trained on it over
 * the real bge-small backbone, its KB encoded and indexed in the embedded store, and searched
 * with the run's query vectors of real test mentions.
 */
class IndexBenchOnTrainedRunIT {
  @Test
  void indexesTheEncodedKbAndMeasuresRecallAgainstExactSearch(@TempDir Path work)
      throws Exception {
    Path data = work.resolve("wikimel-sample");
    LinkingDataset sample = WikiMelSample.write(data, 40, 60);
    String features = work.resolve("features").toString();
    Path run = work.resolve("run");
    CliRun train = CliRun.of("train", "--data", data.toString(), "--feature-cache", features,
        "--run", run.toString(), "--epochs", "1", "--lr", "1e-3", "--batch-size", "8");
    assertEquals(0, train.code(), train.printed());

    Path benchWork = work.resolve("bench");
    CliRun bench = CliRun.of("bench-index", "--run", run.toString(), "--data", data.toString(),
        "--feature-cache", features, "--store", "embedded", "--queries", "30", "--k", "5,20",
        "--clients", "1,2", "--rounds", "1", "--work-dir", benchWork.toString());
    assertEquals(0, bench.code(), bench.printed());
    String kb = String.format(java.util.Locale.ROOT, "%,d", sample.kb().size());
    // The dataset is called by the name it declares (its dataset.json), not its directory's.
    assertTrue(bench.out().contains("REAL data: the " + sample.name() + " KB (" + kb
        + " entities) encoded by the trained run head-"), bench.printed());
    assertTrue(bench.out().contains("the first 30 test mentions"), bench.printed());
    List<String> embeddedRows = bench.out().lines()
        .filter(line -> line.startsWith("| embedded (Lucene HNSW, 200 candidates) |")).toList();
    assertEquals(6, embeddedRows.size(), "4 search rows, 1 build row, 1 memory row:\n"
        + bench.out());
    for (String row : embeddedRows.subList(0, 4)) {
      double recall = Double.parseDouble(row.split("\\|")[4].strip());
      // A few hundred entities: HNSW explores them nearly all.
      assertTrue(recall >= 0.9 && recall <= 1.0, row);
    }
    assertTrue(bench.out().contains("| build of " + kb + " entities |"), bench.printed());
    assertTrue(bench.out().contains("| memory of " + kb + " entities |"), bench.printed());
  }

  @Test
  void refusesARunDirectoryThatIsNotOne(@TempDir Path work) {
    CliRun bench = CliRun.of("bench-index", "--run", work.toString(), "--store", "embedded");
    assertEquals(1, bench.code(), bench.printed());
    assertTrue(bench.err().contains("run.json is missing: --run must name a directory written "
        + "by `mmel train`"), bench.printed());
  }
}
