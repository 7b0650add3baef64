package dev.mmel.app.bench;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/** The Markdown tables of `mmel bench-index`: search, build and memory, ratios to baselines. */
final class IndexBenchReport {
  private final PrintWriter out;

  IndexBenchReport(PrintWriter out) {
    this.out = out;
  }

  void search(List<SearchEngine> engines, BenchData data, SearchRounds rounds,
      SearchRounds.Results results, int roundCount) {
    out.printf(Locale.ROOT, "%s %d cores; medians of %d interleaved rounds.%n%n",
        data.describe(), Runtime.getRuntime().availableProcessors(), roundCount);
    out.println("| store | k | clients | recall@k | QPS | ratio to exact | p50 ms | p99 ms |");
    out.println("|---|---|---|---|---|---|---|---|");
    for (int i = 0; i < results.configs().size(); i++) {
      SearchRounds.Config config = results.configs().get(i);
      double rate = results.qps()[i];
      out.printf(Locale.ROOT, "| %s | %d | %d | %.3f | %,.1f | %.2f | %.2f | %.2f |%n",
          engines.get(config.engine()).name(), config.k(), config.clients(),
          results.recall()[config.engine()][rounds.kIndex(config.k())], rate,
          rate / results.qps()[results.baselineOf(config)], results.p50()[i],
          results.p99()[i]);
    }
    out.println();
    out.println("Ratio to exact: QPS over the exact search's at the same k and number "
        + "of clients, each client a thread issuing one search at a time; recall@k: the share "
        + "of the exact top k found, averaged over the queries.");
    out.println();
  }

  void build(List<SearchEngine> engines, int entities, int upsertBatch) {
    SearchEngine.BuildCost baseline = engines.get(0).build();
    out.println("| build of " + String.format(Locale.ROOT, "%,d", entities)
        + " entities | seconds | seconds per 100k entities | ratio to flat file | bytes per "
        + "entity on disk | ratio to raw payload | measured |");
    out.println("|---|---|---|---|---|---|---|");
    for (SearchEngine engine : engines) {
      if (!engine.measuresStore()) {
        continue;
      }
      SearchEngine.BuildCost build = engine.build();
      String name = engine == engines.get(0) ? "flat file of the raw payload, fsynced (baseline)"
          : engine.name();
      String bytes = build.bytes() < 0 ? "n/a" : String.format(Locale.ROOT, "%,.0f",
          (double) build.bytes() / entities);
      String bytesRatio = build.bytes() < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f",
          (double) build.bytes() / baseline.bytes());
      out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.2f | %s | %s | %s |%n", name,
          build.seconds(), build.seconds() * 100_000 / entities,
          build.seconds() / baseline.seconds(), bytes, bytesRatio, build.note());
    }
    out.println();
    for (SearchEngine engine : engines) {
      if (engine.measuresStore() && !engine.build().detail().isEmpty()) {
        out.println(engine.build().detail());
      }
    }
    out.println("Build: upserts in batches of " + upsertBatch + ", flush, publish and "
        + "opening the live index (one run each, not interleaved); it includes writing the "
        + "rerank features and records. Ratio to flat file: time over the time to write the "
        + "same payload to one file.");
  }

  void memory(List<SearchEngine> engines, List<OptionalLong> memory, int entities) {
    out.println();
    out.println("| memory of " + String.format(Locale.ROOT, "%,d", entities)
        + " entities | bytes per entity in memory | ratio to the raw vectors | measured |");
    out.println("|---|---|---|---|");
    long baseline = memory.get(0).orElse(1);
    for (int e = 0; e < engines.size(); e++) {
      if (!engines.get(e).measuresStore()) {
        continue;
      }
      OptionalLong held = memory.get(e);
      String name = e == 0 ? "raw retrieval vectors (baseline)" : engines.get(e).name();
      out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", name,
          held.isPresent() ? String.format(Locale.ROOT, "%,d", held.getAsLong() / entities)
              : "n/a",
          held.isPresent() ? String.format(Locale.ROOT, "%.2f",
              (double) held.getAsLong() / baseline) : "n/a",
          engines.get(e).memory().note());
    }
  }
}
