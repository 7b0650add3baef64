package dev.mmel.pipeline;

import dev.mmel.model.cli.CliExtension;
import dev.mmel.model.cli.Progress;
import dev.mmel.model.data.DatasetFormat;
import dev.mmel.model.data.DatasetReaders;
import dev.mmel.model.data.SharedData;
import dev.mmel.retriever.EntityFilter;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.EntityRecord;
import dev.mmel.retriever.IndexSchema;
import dev.mmel.retriever.IndexedEntity;
import dev.mmel.retriever.SearchHit;
import dev.mmel.retriever.embedded.EmbeddedEntityIndex;
import dev.mmel.retriever.embedded.EmbeddedEntityIndexStore;
import dev.mmel.retriever.milvus.LocalMilvus;
import dev.mmel.retriever.milvus.MilvusConfig;
import dev.mmel.retriever.milvus.MilvusEntityIndexStore;
import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.service.utility.request.DropAliasReq;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

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
        "Milvus: --milvus-uri, else MMEL_MILVUS_URI, else the server infra/milvus.sh runs, "
        + "started (and stopped at the end) if none runs."})
public final class IndexBenchCommand implements CliExtension, Callable<Integer> {
  /** The real matcher width: rows carry the rerank payload serving would read. */
  static final int HIDDEN_DIM = 96;
  private static final String MODEL_VERSION = "bench-synthetic";
  private static final int UPSERT_BATCH = 256;
  private static final String BUILD_ID = "bench";
  /** Collections of one run share a prefix of their own, so runs never touch real builds. */
  private static final String MILVUS_PREFIX = "mmelbench_";

  /** Lower case: picocli matches the option's values to these names. */
  enum Stores { embedded, milvus, both }

  @Spec
  CommandSpec spec;

  @Option(names = "--store", paramLabel = "STORE", defaultValue = "both",
      description = "embedded, milvus or both (default ${DEFAULT-VALUE}).")
  Stores store;

  @Option(names = "--milvus-uri", paramLabel = "URI",
      description = "Milvus server, e.g. http://127.0.0.1:19530 (else MMEL_MILVUS_URI, else "
          + "infra/milvus.sh).")
  String milvusUri;

  @Option(names = "--run", paramLabel = "DIR",
      description = "Index a real KB encoded by this `mmel train` run (its best weights) and "
          + "search with its query vectors of the first --queries mentions of --split, instead "
          + "of synthetic data.")
  Path run;

  @Option(names = "--data", paramLabel = "PATH",
      description = "With --run: the dataset (default: the shared WikiMEL data).")
  Path dataPath;

  @Option(names = "--split", defaultValue = "test",
      description = "With --run: the split whose mentions are the queries (default "
          + "${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--feature-cache", defaultValue = ".cache/features", paramLabel = "DIR",
      description = "With --run: where backbone features are cached (default "
          + "${DEFAULT-VALUE}).")
  Path featureCache;

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
  public Object command() {
    return new IndexBenchCommand();
  }

  /** A search engine under test and what its build cost; the first one is the baseline. */
  /**
   * One way of searching: a store at one search breadth. {@code measuresStore} is false for the
   * further breadths of a store, which share its build and memory.
   */
  private record Engine(String name, SearchLoad.Searcher searcher, Build build, Memory memory,
      boolean measuresStore) {}

  /**
   * Memory an engine holds: {@code now} minus {@code before} (taken before its build), read
   * after the searches; {@code note} says what was measured.
   */
  private record Memory(OptionalLong before, Supplier<OptionalLong> now, String note) {
    OptionalLong held() {
      OptionalLong after = now.get();
      return before.isPresent() && after.isPresent()
          ? OptionalLong.of(Math.max(0, after.getAsLong() - before.getAsLong()))
          : OptionalLong.empty();
    }
  }

  /**
   * Build figures; {@code bytes} is negative where nothing could be measured; {@code detail},
   * if not empty, is printed below the table.
   */
  private record Build(double seconds, long bytes, String note, String detail) {}

  @Override
  public Integer call() throws Exception {
    checkOptions();
    Path home = Path.of(System.getProperty("mmel.home", ".")).toAbsolutePath();
    String runId = Long.toString(System.currentTimeMillis(), 36);
    Path work = (workDir != null ? workDir : home.resolve(".cache/bench-index"))
        .toAbsolutePath().resolve("run-" + runId);
    Progress progress = new Progress("bench-index");
    BenchData data;
    if (run != null) {
      data = EncodedKb.encode(DatasetReaders.open(dataPath != null ? dataPath
          : SharedData.file("wikimel"), DatasetFormat.AUTO), split, queries, run,
          featureCache, 2, progress);
    } else {
      progress.step(String.format(Locale.ROOT, "generating %,d synthetic %d-d entities and "
          + "%,d queries", entities, dim, queries));
      data = new SyntheticEntities(seed, entities, dim, queries,
          new IndexSchema(dim, HIDDEN_DIM, rerankPositions, rerankPositions));
    }
    checkK(data.size());
    IndexSchema schema = data.schema();
    float[][] vectors = data.vectors();
    float[][] queryVectors = data.queries();

    List<AutoCloseable> cleanup = new ArrayList<>();
    try {
      Files.createDirectories(work);
      cleanup.add(() -> BenchSupport.deleteTree(work));
      Build flat = writeFlatFile(work.resolve("flat.bin"), data);
      List<Engine> engines = new ArrayList<>();
      long rawVectors = 4L * schema.retrievalDim() * data.size();
      engines.add(new Engine("exact brute force (baseline)",
          new ExactSearch(vectors, i -> data.record(i).qid())::search, flat,
          new Memory(OptionalLong.of(0), () -> OptionalLong.of(rawVectors),
              "the retrieval vectors as float arrays"), true));
      if (store != Stores.milvus) {
        engines.addAll(embedded(work.resolve("embedded"), data, cleanup));
      }
      if (store != Stores.embedded) {
        engines.addAll(milvus(home, runId, data, cleanup));
      }
      report(engines, data, queryVectors, progress);
    } finally {
      closeAll(cleanup);
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
      throw new ParameterException(spec.commandLine(), "--clients and --k need a value");
    }
    for (int c : clients) {
      positive("--clients", c);
    }
    within("--embedded-candidates", embeddedCandidates,
        EmbeddedEntityIndex.MAX_SEARCH_CANDIDATES);
    within("--milvus-ef", milvusEf, MilvusConfig.MAX_SEARCH_EF);
  }

  private void within(String option, int[] values, int max) {
    if (values == null) {
      return;
    }
    Set<Integer> seen = new HashSet<>();
    for (int value : values) {
      if (value < 1 || value > max) {
        throw new ParameterException(spec.commandLine(), option + " must be within 1.." + max
            + ", got " + value);
      }
      if (!seen.add(value)) {
        throw new ParameterException(spec.commandLine(), option + " lists " + value + " twice");
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
        throw new ParameterException(spec.commandLine(), "--k must be within 1.." + maxK
            + " (at most the entities indexed, " + size + ", and " + EntityIndex.MAX_RESULTS
            + "), got " + k);
      }
    }
  }

  private void positive(String option, long value) {
    if (value < 1) {
      throw new ParameterException(spec.commandLine(), option + " must be > 0, got " + value);
    }
  }

  /**
   * The baseline of build time and size: each entity's payload as the stores receive it
   * (retrieval floats, fp16 rerank features, record text), appended to one file and fsynced.
   */
  private Build writeFlatFile(Path file, BenchData data) throws IOException {
    Progress progress = new Progress("bench-index flat file");
    int entities = data.size();
    long nanos = 0;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      for (int from = 0; from < entities; from += UPSERT_BATCH) {
        int to = Math.min(entities, from + UPSERT_BATCH);
        List<IndexedEntity> batch = data.entities(from, to);
        long t0 = System.nanoTime();
        for (IndexedEntity entity : batch) {
          byte[] rerank = entity.rerank().toFp16();
          byte[][] text = {entity.record().qid().getBytes(StandardCharsets.UTF_8),
              entity.record().name().getBytes(StandardCharsets.UTF_8),
              entity.record().description().getBytes(StandardCharsets.UTF_8)};
          ByteBuffer buffer = ByteBuffer.allocate(4 * entity.retrieval().length + rerank.length
              + Arrays.stream(text).mapToInt(t -> t.length).sum()).order(ByteOrder.LITTLE_ENDIAN);
          for (float value : entity.retrieval()) {
            buffer.putFloat(value);
          }
          buffer.put(rerank);
          for (byte[] t : text) {
            buffer.put(t);
          }
          buffer.flip();
          while (buffer.hasRemaining()) {
            channel.write(buffer);
          }
        }
        nanos += System.nanoTime() - t0;
        progress.count(to, entities, "entities");
      }
      long t0 = System.nanoTime();
      channel.force(true);
      nanos += System.nanoTime() - t0;
    }
    long bytes = Files.size(file);
    Files.delete(file);
    return new Build(nanos / 1e9, bytes, "raw payload", "");
  }

  private List<Engine> embedded(Path root, BenchData data, List<AutoCloseable> cleanup) {
    int[] candidates = breadths(embeddedCandidates, EmbeddedEntityIndex.DEFAULT_SEARCH_CANDIDATES);
    OptionalLong before = ResidentMemory.ofThisJvm();
    EmbeddedEntityIndexStore indexes = new EmbeddedEntityIndexStore(root, candidates[0]);
    cleanup.add(indexes);
    Built built = build("embedded", indexes, data);
    cleanup.add(built.live());
    List<Engine> engines = new ArrayList<>();
    engines.add(new Engine(embeddedName(candidates[0]), searcher(built.live()),
        new Build(built.seconds(), DiskUsage.of(root), "index directory", ""),
        new Memory(before, ResidentMemory::ofThisJvm, "growth of this JVM's heap after GC "
            + "plus its resident memory-mapped files (the open live index, searched"
            + (candidates.length > 1 ? "; opened by " + candidates.length + " readers, one per "
                + "breadth, which a single server would not need)" : ")")), true));
    addBreadths(engines, candidates, c -> new EmbeddedEntityIndexStore(root, c),
        IndexBenchCommand::embeddedName, cleanup);
    return engines;
  }

  private static String embeddedName(int candidates) {
    return "embedded (Lucene HNSW, " + candidates + " candidates)";
  }

  /**
   * The further breadths of the store {@code engines} holds measured: each a reader of the same
   * live build, at its own breadth, sharing the first one's build and memory figures.
   */
  private static void addBreadths(List<Engine> engines, int[] breadths,
      IntFunction<EntityIndexStore> storeAt, IntFunction<String> nameAt,
      List<AutoCloseable> cleanup) {
    Engine first = engines.get(0);
    for (int i = 1; i < breadths.length; i++) {
      EntityIndexStore reader = storeAt.apply(breadths[i]);
      cleanup.add(reader);
      EntityIndex live = reader.openLive();
      cleanup.add(live);
      engines.add(new Engine(nameAt.apply(breadths[i]), searcher(live), first.build(),
          first.memory(), false));
    }
  }

  private List<Engine> milvus(Path home, String run, BenchData data,
      List<AutoCloseable> cleanup) {
    int[] efs = breadths(milvusEf, MilvusConfig.DEFAULT_SEARCH_EF);
    String uri = milvusUri != null ? milvusUri : System.getenv("MMEL_MILVUS_URI");
    if (uri == null || uri.isBlank()) {
      LocalMilvus server = LocalMilvus.acquire(home);
      cleanup.add(server);
      uri = server.uri();
    }
    String prefix = MILVUS_PREFIX + run;
    MilvusConfig config = MilvusConfig.defaults(uri.strip()).withCollectionPrefix(prefix)
        // Sealing and indexing a large build takes longer than the default ten minutes here.
        .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMinutes(60))
        .withSearchEf(efs[0]);
    MilvusEntityIndexStore indexes = new MilvusEntityIndexStore(config);
    cleanup.add(indexes);
    cleanup.add(() -> dropMilvusBuild(indexes, config, prefix));
    Optional<Path> dataDir = LocalMilvus.dataDirectory(home, config.uri());
    Optional<Long> serverGroup = LocalMilvus.processGroup(home, config.uri());
    Supplier<OptionalLong> serverRss = () -> serverGroup.isPresent()
        ? ResidentMemory.ofProcessGroup(serverGroup.get()) : OptionalLong.empty();
    OptionalLong rssBefore = serverRss.get();
    Optional<DiskUsage.Milvus> before = dataDir.map(DiskUsage.Milvus::of);
    Built built = build("milvus", indexes, data);
    cleanup.add(built.live());
    List<Engine> engines = new ArrayList<>();
    engines.add(new Engine(milvusName(efs[0]), searcher(built.live()),
        milvusBuild(built.seconds(), data, dataDir, before),
        new Memory(rssBefore, serverRss, serverGroup.isPresent()
            ? "growth of the server's resident set (all its processes), collection loaded"
            : "n/a: not the server infra/milvus.sh runs here"), true));
    addBreadths(engines, efs, ef -> new MilvusEntityIndexStore(config.withSearchEf(ef)),
        IndexBenchCommand::milvusName, cleanup);
    return engines;
  }

  private static String milvusName(int ef) {
    return "Milvus 2.3 (HNSW, ef " + ef + ")";
  }

  private Build milvusBuild(double seconds, BenchData data, Optional<Path> dataDir,
      Optional<DiskUsage.Milvus> before) {
    int entities = data.size();
    int dim = data.schema().retrievalDim();
    int rerankChars = base64Length(2 * data.schema().rerankFloats());
    String computed = String.format(Locale.ROOT, "a Milvus row holds about %,d B: the vector "
        + "(%,d B), the fp16 rerank features as Base64 (%,d B) and the record text",
        4 * dim + rerankChars + recordBytes(data), 4 * dim, rerankChars);
    if (before.isEmpty()) {
      return new Build(seconds, -1, "n/a: the server's data directory is not local",
          "Milvus: " + computed + ".");
    }
    DiskUsage.Milvus grown = DiskUsage.Milvus.of(dataDir.get()).minus(before.get());
    return new Build(seconds, grown.total(), "growth of the server's data directory",
        String.format(Locale.ROOT, "Milvus data directory growth per entity: %,d B sealed "
            + "segments (binlogs) and HNSW index files, %,d B message log (rocksmq, a second "
            + "copy of every write kept for its retention period), %,d B other (etcd, logs); "
            + "computed: %s.", grown.segments() / entities, grown.messageLog() / entities,
            grown.other() / entities, computed));
  }

  private static int base64Length(int bytes) {
    return 4 * ((bytes + 2) / 3);
  }

  /** Record text as the flat file holds it: QID, name and description. */
  private static int recordBytes(BenchData data) {
    long total = 0;
    int entities = data.size();
    for (int i = 0; i < entities; i++) {
      EntityRecord record = data.record(i);
      total += (record.qid() + record.name() + record.description())
          .getBytes(StandardCharsets.UTF_8).length;
    }
    return (int) (total / entities);
  }

  /**
   * Readers follow the live alias (the only way to read at the configured BOUNDED consistency,
   * as serving does), so the build is published; the store cannot drop a live build, so the
   * alias goes first.
   */
  private static void dropMilvusBuild(MilvusEntityIndexStore indexes, MilvusConfig config,
      String prefix) {
    if (indexes.liveBuildId().isPresent()) {
      MilvusClientV2 admin = new MilvusClientV2(ConnectConfig.builder().uri(config.uri())
          .connectTimeoutMs(config.connectTimeout().toMillis()).build());
      try {
        admin.dropAlias(DropAliasReq.builder().alias(prefix + "_live").build());
      } finally {
        admin.close();
      }
    }
    indexes.dropBuild(BUILD_ID);
  }

  private record Built(EntityIndex live, double seconds) {}

  /**
   * Upserts every entity, flushes, publishes and opens the live index as serving would: the
   * build time counts only the store's calls (the synthetic data is made outside the clock),
   * and includes writing the rerank features and records, the real per-entity payload.
   */
  private Built build(String label, EntityIndexStore indexes, BenchData data) {
    Progress progress = new Progress("bench-index " + label + " build");
    int entities = data.size();
    long t0 = System.nanoTime();
    EntityIndex build = indexes.openBuild(BUILD_ID, MODEL_VERSION, data.schema());
    long nanos = System.nanoTime() - t0;
    try {
      for (int from = 0; from < entities; from += UPSERT_BATCH) {
        int to = Math.min(entities, from + UPSERT_BATCH);
        List<IndexedEntity> batch = data.entities(from, to);
        t0 = System.nanoTime();
        build.upsert(batch);
        nanos += System.nanoTime() - t0;
        progress.count(to, entities, "entities");
      }
      progress.step("flush, publish, open the live index");
      t0 = System.nanoTime();
      build.flush();
      // Closing waits for background merges, which would otherwise compete with the searches.
      build.close();
      indexes.publish(BUILD_ID);
      EntityIndex live = indexes.openLive();
      nanos += System.nanoTime() - t0;
      long count = live.count();
      if (count != entities) {
        live.close();
        throw new IllegalStateException(label + " holds " + count + " entities after the "
            + "build, not " + entities);
      }
      progress.done(String.format(Locale.ROOT, "%,d entities in %.1f s", entities, nanos / 1e9));
      return new Built(live, nanos / 1e9);
    } finally {
      build.close();
    }
  }

  private static SearchLoad.Searcher searcher(EntityIndex index) {
    return (query, k) -> index.search(query, k, EntityFilter.none());
  }

  /** One timed configuration: an engine at one k and one number of clients. */
  private record Config(int engine, int k, int clients) {}

  private void report(List<Engine> engines, BenchData data, float[][] queryVectors,
      Progress progress) {
    int maxK = Arrays.stream(ks).max().orElseThrow();
    progress.step("exact top-" + maxK + " of every query (the truth recall is measured against)");
    List<List<SearchHit>> truth = SearchLoad.run(engines.get(0).searcher(), queryVectors, maxK,
        1).hits();
    double[][] recall = new double[engines.size()][ks.length];
    for (int e = 1; e < engines.size(); e++) {
      for (int i = 0; i < ks.length; i++) {
        progress.step("warm-up and recall: " + engines.get(e).name() + ", k=" + ks[i]);
        recall[e][i] = recall(SearchLoad.run(engines.get(e).searcher(), queryVectors, ks[i], 1)
            .hits(), truth, ks[i]);
      }
    }
    Arrays.fill(recall[0], 1.0);

    List<Config> configs = new ArrayList<>();
    for (int k : ks) {
      for (int c : clients) {
        for (int e = 0; e < engines.size(); e++) {
          configs.add(new Config(e, k, c));
        }
      }
    }
    double[][] qps = new double[configs.size()][rounds];
    double[][] p50 = new double[configs.size()][rounds];
    double[][] p99 = new double[configs.size()][rounds];
    for (int round = 0; round < rounds; round++) {
      progress.step(String.format(Locale.ROOT, "round %d of %d: %d configurations of %,d "
          + "queries, interleaved", round + 1, rounds, configs.size(), queryVectors.length));
      for (int i = 0; i < configs.size(); i++) {
        Config config = configs.get(i);
        SearchLoad.Pass pass = SearchLoad.run(engines.get(config.engine()).searcher(),
            queryVectors, config.k(), config.clients());
        qps[i][round] = pass.queriesPerSecond();
        p50[i][round] = pass.latencyMillis(0.50);
        p99[i][round] = pass.latencyMillis(0.99);
      }
    }
    progress.done("search measured");
    progress.step("memory held by each engine");
    List<OptionalLong> memory = engines.stream().map(engine -> engine.measuresStore()
        ? engine.memory().held() : OptionalLong.empty()).toList();
    printSearch(engines, data, configs, recall, qps, p50, p99);
    printBuild(engines, data.size());
    printMemory(engines, memory, data.size());
  }

  private static double recall(List<List<SearchHit>> found, List<List<SearchHit>> truth, int k) {
    double sum = 0;
    for (int q = 0; q < found.size(); q++) {
      Set<String> exact = new HashSet<>();
      truth.get(q).subList(0, Math.min(k, truth.get(q).size()))
          .forEach(hit -> exact.add(hit.qid()));
      long hits = found.get(q).stream().filter(hit -> exact.contains(hit.qid())).count();
      sum += (double) hits / exact.size();
    }
    return sum / found.size();
  }

  private void printSearch(List<Engine> engines, BenchData data, List<Config> configs,
      double[][] recall, double[][] qps, double[][] p50, double[][] p99) {
    System.out.printf(Locale.ROOT, "%s %d cores; medians of %d interleaved rounds.%n%n",
        data.describe(), Runtime.getRuntime().availableProcessors(), rounds);
    System.out.println("| store | k | clients | recall@k | QPS | ratio to exact | p50 ms "
        + "| p99 ms |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    for (int i = 0; i < configs.size(); i++) {
      Config config = configs.get(i);
      int baseline = baselineOf(configs, config);
      int kIndex = indexOf(ks, config.k());
      double rate = BenchSupport.median(qps[i]);
      System.out.printf(Locale.ROOT, "| %s | %d | %d | %.3f | %,.1f | %.2f | %.2f | %.2f |%n",
          engines.get(config.engine()).name(), config.k(), config.clients(),
          recall[config.engine()][kIndex], rate, rate / BenchSupport.median(qps[baseline]), BenchSupport.median(p50[i]),
          BenchSupport.median(p99[i]));
    }
    System.out.println();
    System.out.println("Ratio to exact: QPS over the exact search's at the same k and number "
        + "of clients, each client a thread issuing one search at a time; recall@k: the share "
        + "of the exact top k found, averaged over the queries.");
    System.out.println();
  }

  private void printBuild(List<Engine> engines, int entities) {
    Build baseline = engines.get(0).build();
    System.out.println("| build of " + String.format(Locale.ROOT, "%,d", entities)
        + " entities | seconds | seconds per 100k entities | ratio to flat file | bytes per "
        + "entity on disk | ratio to raw payload | measured |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (Engine engine : engines) {
      if (!engine.measuresStore()) {
        continue;
      }
      Build build = engine.build();
      String name = engine == engines.get(0) ? "flat file of the raw payload, fsynced (baseline)"
          : engine.name();
      String bytes = build.bytes() < 0 ? "n/a" : String.format(Locale.ROOT, "%,.0f",
          (double) build.bytes() / entities);
      String bytesRatio = build.bytes() < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f",
          (double) build.bytes() / baseline.bytes());
      System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.2f | %s | %s | %s |%n", name,
          build.seconds(), build.seconds() * 100_000 / entities,
          build.seconds() / baseline.seconds(), bytes, bytesRatio, build.note());
    }
    System.out.println();
    for (Engine engine : engines) {
      if (engine.measuresStore() && !engine.build().detail().isEmpty()) {
        System.out.println(engine.build().detail());
      }
    }
    System.out.println("Build: upserts in batches of " + UPSERT_BATCH + ", flush, publish and "
        + "opening the live index (one run each, not interleaved); it includes writing the "
        + "rerank features and records. Ratio to flat file: time over the time to write the "
        + "same payload to one file.");
  }

  private static void printMemory(List<Engine> engines, List<OptionalLong> memory,
      int entities) {
    System.out.println();
    System.out.println("| memory of " + String.format(Locale.ROOT, "%,d", entities)
        + " entities | bytes per entity in memory | ratio to the raw vectors | measured |");
    System.out.println("|---|---|---|---|");
    long baseline = memory.get(0).orElse(1);
    for (int e = 0; e < engines.size(); e++) {
      if (!engines.get(e).measuresStore()) {
        continue;
      }
      OptionalLong held = memory.get(e);
      String name = e == 0 ? "raw retrieval vectors (baseline)" : engines.get(e).name();
      System.out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", name,
          held.isPresent() ? String.format(Locale.ROOT, "%,d", held.getAsLong() / entities)
              : "n/a",
          held.isPresent() ? String.format(Locale.ROOT, "%.2f",
              (double) held.getAsLong() / baseline) : "n/a",
          engines.get(e).memory().note());
    }
  }

  /** The exact search at the same k and number of clients. */
  private static int baselineOf(List<Config> configs, Config config) {
    for (int i = 0; i < configs.size(); i++) {
      Config other = configs.get(i);
      if (other.engine() == 0 && other.k() == config.k() && other.clients() == config.clients()) {
        return i;
      }
    }
    throw new IllegalStateException("no exact search for " + config);
  }

  private static int indexOf(int[] values, int value) {
    for (int i = 0; i < values.length; i++) {
      if (values[i] == value) {
        return i;
      }
    }
    throw new IllegalArgumentException(value + " is not among " + Arrays.toString(values));
  }

  /** Last opened, first closed; every step runs even if one before it failed. */
  private static void closeAll(List<AutoCloseable> cleanup) throws Exception {
    Exception first = null;
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      try {
        cleanup.get(i).close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
