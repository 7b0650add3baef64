package dev.mmel.app.bench;

import dev.mmel.app.cli.ConsoleProgress;
import dev.mmel.app.cli.MmelCommand;
import dev.mmel.core.IndexSchema;
import dev.mmel.model.data.DatasetFormat;
import dev.mmel.model.data.DatasetReaders;
import dev.mmel.model.data.SharedData;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.embedded.EmbeddedEntityIndex;
import dev.mmel.retriever.embedded.EmbeddedEntityIndexStore;
import dev.mmel.retriever.milvus.MilvusConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import dev.mmel.app.cli.FrozenTextOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `mmel bench-index`: ANN quality and speed of the entity index stores, on synthetic data or on
 * a real KB encoded by a trained run.
 */
@Command(name = "bench-index", mixinStandardHelpOptions = true,
    description = {"Benchmarks the entity index stores (embedded Lucene HNSW, Milvus): recall@k "
        + "against exact search, queries per second at several concurrent clients, p50/p99 "
        + "latency, build time and bytes on disk per entity. Data: synthetic clustered vectors "
        + "(default), or with --run a real KB encoded by a `mmel train` run, searched with the "
        + "run's query vectors of real mentions.",
        "Baselines are measured in the same run: exact brute-force inner-product search in "
        + "Java over the same vectors and queries (each search on one thread) for search, and "
        + "the same per-entity payload written to one flat file and fsynced for build time and "
        + "size. Search configurations are interleaved round-robin and medians reported. "
        + "Markdown tables on stdout, progress on stderr.",
        "Milvus: --milvus, else MMEL_MILVUS_URI, else the server infra/milvus.sh runs, "
        + "started (and stopped at the end) if none runs."})
public final class IndexBenchCommand extends MmelCommand {
  /** The real matcher width: rows carry the rerank payload serving would read. */
  static final int HIDDEN_DIM = 96;
  /** Collections of one run share a prefix of their own, so runs never touch real builds. */
  private static final String MILVUS_PREFIX = "mmelbench_";

  /** Lower case: picocli matches the option's values to these names. */
  enum Stores { embedded, milvus, both }

  @Option(names = "--store", paramLabel = "STORE", defaultValue = "both",
      description = "embedded, milvus or both (default ${DEFAULT-VALUE}).")
  Stores store;

  @Option(names = "--milvus", paramLabel = "URI",
      description = "Milvus server, e.g. http://127.0.0.1:19530 (else MMEL_MILVUS_URI, else "
          + "infra/milvus.sh).")
  String milvusUri;

  @Option(names = "--run", paramLabel = "DIR",
      description = "Index a real KB encoded by this `mmel train` run (its best weights) and "
          + "search with its query vectors of the first --queries mentions of --split, instead "
          + "of synthetic data.")
  Path run;

  @Mixin
  FrozenTextOptions dataset = new FrozenTextOptions();

  @Option(names = "--split", defaultValue = "test",
      description = "With --run: the split whose mentions are the queries (default "
          + "${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--milvus-ef", paramLabel = "EF", split = ",",
      description = "HNSW ef of Milvus searches; a search for k uses max(EF, 2k). Several "
          + "(e.g. 200,400) search the same build at each, interleaved in the same rounds "
          + "(default: the store's, " + MilvusConfig.DEFAULT_SEARCH_EF + ").")
  int[] milvusEf;

  @Option(names = "--embedded-candidates", paramLabel = "C", split = ",",
      description = "Graph candidates the embedded store explores; a search for k explores "
          + "max(C, 2k). Several search the same build at each, like --milvus-ef (default: "
          + "the store's, " + EmbeddedEntityIndex.DEFAULT_SEARCH_CANDIDATES + ").")
  int[] embeddedCandidates;

  @Option(names = "--merge-workers", paramLabel = "W",
      description = "Threads that build the embedded store's merged HNSW graph when the build "
          + "is published (default: one per processor, as `mmel index build`).")
  Integer mergeWorkers;

  @Option(names = "--entities", paramLabel = "N", defaultValue = "100000",
      description = "Synthetic entities (default ${DEFAULT-VALUE}).")
  int entities;

  @Option(names = "--dim", paramLabel = "D", defaultValue = "800",
      description = "Retrieval vector width (default ${DEFAULT-VALUE}, the real model's).")
  int dim;

  @Option(names = "--queries", paramLabel = "Q", defaultValue = "500",
      description = "Queries per pass (default ${DEFAULT-VALUE}).")
  int queries;

  @Option(names = "--clients", paramLabel = "C", defaultValue = "1,8", split = ",",
      description = "Concurrent client threads searching one index (default ${DEFAULT-VALUE}).")
  int[] clients;

  @Option(names = "--k", paramLabel = "K", defaultValue = "10,100", split = ",",
      description = "Results per search (default ${DEFAULT-VALUE}).")
  int[] ks;

  @Option(names = "--rounds", paramLabel = "R", defaultValue = "3",
      description = "Timed rounds over all configurations, after a warm-up pass that also "
          + "measures recall (default ${DEFAULT-VALUE}; medians reported).")
  int rounds;

  @Option(names = "--rerank-positions", paramLabel = "P", defaultValue = "50",
      description = "Text and image positions of the rerank features, each "
          + HIDDEN_DIM + " wide (default ${DEFAULT-VALUE}, the real model's; smaller shrinks "
          + "the per-entity payload for larger --entities).")
  int rerankPositions;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
      description = "Seed of the synthetic data (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where the embedded index and the flat file are written, deleted at the "
          + "end (default .cache/bench-index).")
  Path workDir;

  @Override
  public Integer call() throws Exception {
    checkOptions();
    Path home = Path.of(System.getProperty("mmel.home", ".")).toAbsolutePath();
    String runId = Long.toString(System.currentTimeMillis(), 36);
    Path work = (workDir != null ? workDir : home.resolve(".cache/bench-index"))
        .toAbsolutePath().resolve("run-" + runId);
    ConsoleProgress progress = progress("bench-index");
    BenchData data;
    if (run != null) {
      data = EncodedKb.encode(dataset.openDataset(), split, queries, run,
          dataset.featureCache, dataset.threads.count(), progress);
    } else {
      progress.step(String.format(Locale.ROOT, "generating %,d synthetic %d-d entities and "
          + "%,d queries", entities, dim, queries));
      data = new SyntheticEntities(seed, entities, dim, queries,
          new IndexSchema(dim, HIDDEN_DIM, rerankPositions, rerankPositions));
    }
    checkK(data.size());
    try (Cleanup cleanup = new Cleanup()) {
      Files.createDirectories(work);
      cleanup.add(() -> BenchSupport.deleteTree(work));
      IndexBenchEngines setup = new IndexBenchEngines(data, cleanup, progress);
      List<SearchEngine> engines = new ArrayList<>();
      engines.add(setup.exact(work.resolve("flat.bin")));
      if (store != Stores.milvus) {
        engines.addAll(setup.embedded(work.resolve("embedded"),
            breadths(embeddedCandidates, EmbeddedEntityIndex.DEFAULT_SEARCH_CANDIDATES),
            mergeWorkers != null ? mergeWorkers : Runtime.getRuntime().availableProcessors()));
      }
      if (store != Stores.embedded) {
        String uri = milvusUri != null ? milvusUri : System.getenv("MMEL_MILVUS_URI");
        engines.addAll(setup.milvus(home, uri == null || uri.isBlank() ? null : uri,
            MILVUS_PREFIX + runId, breadths(milvusEf, MilvusConfig.DEFAULT_SEARCH_EF)));
      }
      SearchRounds searchRounds = new SearchRounds(ks, clients, rounds);
      SearchRounds.Results results = searchRounds.measure(engines, data.queries(), progress);
      progress.done("search measured");
      progress.step("memory held by each engine");
      List<OptionalLong> memory = engines.stream().map(engine -> engine.measuresStore()
          ? engine.memory().held() : OptionalLong.empty()).toList();
      IndexBenchReport report = new IndexBenchReport(out());
      report.search(engines, data, searchRounds, results, rounds);
      report.build(engines, data.size(), IndexBenchEngines.UPSERT_BATCH);
      report.memory(engines, memory, data.size());
    }
    return 0;
  }

  private void checkOptions() {
    positive("--entities", entities);
    positive("--dim", dim);
    positive("--queries", queries);
    positive("--rounds", rounds);
    positive("--rerank-positions", rerankPositions);
    if (clients.length == 0 || ks.length == 0) {
      throw invalid("--clients and --k need a value");
    }
    for (int c : clients) {
      positive("--clients", c);
    }
    within("--embedded-candidates", embeddedCandidates,
        EmbeddedEntityIndex.MAX_SEARCH_CANDIDATES);
    within("--milvus-ef", milvusEf, MilvusConfig.MAX_SEARCH_EF);
    if (mergeWorkers != null) {
      within("--merge-workers", new int[] {mergeWorkers},
          EmbeddedEntityIndexStore.MAX_MERGE_WORKERS);
    }
  }

  private void within(String option, int[] values, int max) {
    if (values == null) {
      return;
    }
    Set<Integer> seen = new HashSet<>();
    for (int value : values) {
      if (value < 1 || value > max) {
        throw invalid(option + " must be within 1.." + max + ", got " + value);
      }
      if (!seen.add(value)) {
        throw invalid(option + " lists " + value + " twice");
      }
    }
  }

  /** The breadths an option lists, or the store's default alone. */
  private static int[] breadths(int[] values, int storeDefault) {
    return values == null || values.length == 0 ? new int[] {storeDefault} : values;
  }

  private void checkK(int size) {
    int maxK = Math.min(size, EntityIndex.MAX_RESULTS);
    for (int k : ks) {
      if (k < 1 || k > maxK) {
        throw invalid("--k must be within 1.." + maxK + " (at most the entities indexed, "
            + size + ", and " + EntityIndex.MAX_RESULTS + "), got " + k);
      }
    }
  }

  private void positive(String option, long value) {
    if (value < 1) {
      throw invalid(option + " must be > 0, got " + value);
    }
  }
}
