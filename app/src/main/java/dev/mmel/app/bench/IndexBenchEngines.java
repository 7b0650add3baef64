package dev.mmel.app.bench;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.ProgressListener;
import dev.mmel.retriever.EntityFilter;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.embedded.EmbeddedEntityIndexStore;
import dev.mmel.retriever.milvus.MilvusConfig;
import dev.mmel.retriever.milvus.MilvusEntityIndexStore;
import dev.mmel.testkit.LocalMilvus;
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
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Sets up what `mmel bench-index` searches: the exact baseline, and each store built from the
 * same data (timed, with its disk and memory footprint), opened at every search breadth asked
 * for. Everything it opens or creates is registered with the {@link Cleanup}.
 */
final class IndexBenchEngines {
  static final int UPSERT_BATCH = 256;
  private static final String MODEL_VERSION = "bench-synthetic";
  private static final String BUILD_ID = "bench";

  private final BenchData data;
  private final Cleanup cleanup;
  private final ProgressListener progress;

  IndexBenchEngines(BenchData data, Cleanup cleanup, ProgressListener progress) {
    this.data = data;
    this.cleanup = cleanup;
    this.progress = progress;
  }

  /** Exact brute-force search over the vectors; its build cost is a flat file of the payload. */
  SearchEngine exact(Path flatFile) throws IOException {
    long rawVectors = 4L * data.schema().retrievalDim() * data.size();
    return new SearchEngine("exact brute force (baseline)",
        new ExactSearch(data.vectors(), i -> data.record(i).qid())::search,
        writeFlatFile(flatFile),
        new SearchEngine.MemoryHeld(OptionalLong.of(0), () -> OptionalLong.of(rawVectors),
            "the retrieval vectors as float arrays"), true);
  }

  /**
   * The embedded store under {@code root}, one reader per breadth (graph candidates), its
   * published graph merged by {@code mergeWorkers} threads.
   */
  List<SearchEngine> embedded(Path root, int[] candidates, int mergeWorkers) {
    OptionalLong before = ResidentMemory.ofThisJvm();
    EmbeddedEntityIndexStore indexes =
        cleanup.add(new EmbeddedEntityIndexStore(root, candidates[0], mergeWorkers));
    Built built = build("embedded", indexes);
    List<SearchEngine> engines = new ArrayList<>();
    engines.add(new SearchEngine(embeddedName(candidates[0]), searcher(built.live()),
        new SearchEngine.BuildCost(built.seconds(), DiskUsage.of(root), "index directory",
            String.format(Locale.ROOT, "Embedded build: of its %.1f s, publishing (the merge "
                + "into one segment, its HNSW graph built by %d thread%s) took %.1f s.",
                built.seconds(), mergeWorkers, mergeWorkers == 1 ? "" : "s",
                built.publishSeconds())),
        new SearchEngine.MemoryHeld(before, ResidentMemory::ofThisJvm, "growth of this JVM's "
            + "heap after GC plus its resident memory-mapped files (the open live index, "
            + "searched" + (candidates.length > 1 ? "; opened by " + candidates.length
                + " readers, one per breadth, which a single server would not need)" : ")")),
        true));
    addBreadths(engines, candidates, c -> new EmbeddedEntityIndexStore(root, c),
        IndexBenchEngines::embeddedName);
    return engines;
  }

  /**
   * Milvus at {@code uri} (null: the server infra/milvus.sh runs under {@code home}, started
   * and stopped again if none runs), collections under a prefix of this run's own, one reader
   * per breadth (ef).
   */
  List<SearchEngine> milvus(Path home, String uri, String prefix, int[] efs) {
    if (uri == null) {
      uri = cleanup.add(LocalMilvus.acquire(home)).uri();
    }
    MilvusConfig config = MilvusConfig.defaults(uri.strip()).withCollectionPrefix(prefix)
        // Sealing and indexing a large build takes longer than the default ten minutes here.
        .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMinutes(60))
        .withSearchEf(efs[0]);
    MilvusEntityIndexStore indexes = cleanup.add(new MilvusEntityIndexStore(config));
    cleanup.add(() -> dropMilvusBuild(indexes, config, prefix));
    Optional<Path> dataDir = LocalMilvus.dataDirectory(home, config.uri());
    Optional<Long> serverGroup = LocalMilvus.processGroup(home, config.uri());
    Supplier<OptionalLong> serverRss = () -> serverGroup.isPresent()
        ? ResidentMemory.ofProcessGroup(serverGroup.get()) : OptionalLong.empty();
    OptionalLong rssBefore = serverRss.get();
    Optional<DiskUsage.Milvus> before = dataDir.map(DiskUsage.Milvus::of);
    Built built = build("milvus", indexes);
    List<SearchEngine> engines = new ArrayList<>();
    engines.add(new SearchEngine(milvusName(efs[0]), searcher(built.live()),
        milvusBuild(built.seconds(), dataDir, before),
        new SearchEngine.MemoryHeld(rssBefore, serverRss, serverGroup.isPresent()
            ? "growth of the server's resident set (all its processes), collection loaded"
            : "n/a: not the server infra/milvus.sh runs here"), true));
    addBreadths(engines, efs, ef -> new MilvusEntityIndexStore(config.withSearchEf(ef)),
        IndexBenchEngines::milvusName);
    return engines;
  }

  private static String embeddedName(int candidates) {
    return "embedded (Lucene HNSW, " + candidates + " candidates)";
  }

  private static String milvusName(int ef) {
    return "Milvus 2.3 (HNSW, ef " + ef + ")";
  }

  /**
   * The baseline of build time and size: each entity's payload as the stores receive it
   * (retrieval floats, fp16 rerank features, record text), appended to one file and fsynced.
   */
  private SearchEngine.BuildCost writeFlatFile(Path file) throws IOException {
    ProgressListener flat = progress.task("bench-index flat file");
    int entities = data.size();
    long nanos = 0;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      for (int from = 0; from < entities; from += UPSERT_BATCH) {
        int to = Math.min(entities, from + UPSERT_BATCH);
        List<EncodedEntity> batch = data.entities(from, to);
        long t0 = System.nanoTime();
        for (EncodedEntity entity : batch) {
          ByteBuffer buffer = payload(entity);
          while (buffer.hasRemaining()) {
            channel.write(buffer);
          }
        }
        nanos += System.nanoTime() - t0;
        flat.count(to, entities, "entities");
      }
      long t0 = System.nanoTime();
      channel.force(true);
      nanos += System.nanoTime() - t0;
    }
    long bytes = Files.size(file);
    Files.delete(file);
    return new SearchEngine.BuildCost(nanos / 1e9, bytes, "raw payload", "");
  }

  private static ByteBuffer payload(EncodedEntity entity) {
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
    return buffer.flip();
  }

  /**
   * The further breadths of the store {@code engines} holds measured: each a reader of the same
   * live build, at its own breadth, sharing the first one's build and memory figures.
   */
  private void addBreadths(List<SearchEngine> engines, int[] breadths,
      IntFunction<EntityIndexStore> storeAt, IntFunction<String> nameAt) {
    SearchEngine first = engines.get(0);
    for (int i = 1; i < breadths.length; i++) {
      EntityIndexStore reader = cleanup.add(storeAt.apply(breadths[i]));
      EntityIndex live = cleanup.add(reader.openLive());
      engines.add(new SearchEngine(nameAt.apply(breadths[i]), searcher(live), first.build(),
          first.memory(), false));
    }
  }

  private SearchEngine.BuildCost milvusBuild(double seconds, Optional<Path> dataDir,
      Optional<DiskUsage.Milvus> before) {
    int entities = data.size();
    int dim = data.schema().retrievalDim();
    int rerankChars = base64Length(2 * data.schema().rerankFloats());
    String computed = String.format(Locale.ROOT, "a Milvus row holds about %,d B: the vector "
        + "(%,d B), the fp16 rerank features as Base64 (%,d B) and the record text",
        4 * dim + rerankChars + recordBytes(), 4 * dim, rerankChars);
    if (before.isEmpty()) {
      return new SearchEngine.BuildCost(seconds, -1,
          "n/a: the server's data directory is not local", "Milvus: " + computed + ".");
    }
    DiskUsage.Milvus grown = DiskUsage.Milvus.of(dataDir.get()).minus(before.get());
    return new SearchEngine.BuildCost(seconds, grown.total(),
        "growth of the server's data directory", String.format(Locale.ROOT, "Milvus data "
            + "directory growth per entity: %,d B sealed segments (binlogs) and HNSW index "
            + "files, %,d B message log (rocksmq, a second copy of every write kept for its "
            + "retention period), %,d B other (etcd, logs); computed: %s.",
            grown.segments() / entities, grown.messageLog() / entities,
            grown.other() / entities, computed));
  }

  private static int base64Length(int bytes) {
    return 4 * ((bytes + 2) / 3);
  }

  /** Record text as the flat file holds it: QID, name and description. */
  private int recordBytes() {
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

  private record Built(EntityIndex live, double seconds, double publishSeconds) {}

  /**
   * Upserts every entity, flushes, publishes and opens the live index as serving would: the
   * build time counts only the store's calls (the synthetic data is made outside the clock),
   * and includes writing the rerank features and records, the real per-entity payload.
   */
  private Built build(String label, EntityIndexStore indexes) {
    ProgressListener building = progress.task("bench-index " + label + " build");
    int entities = data.size();
    long t0 = System.nanoTime();
    EntityIndex build = indexes.openBuild(BUILD_ID, MODEL_VERSION, data.schema());
    long nanos = System.nanoTime() - t0;
    try {
      for (int from = 0; from < entities; from += UPSERT_BATCH) {
        int to = Math.min(entities, from + UPSERT_BATCH);
        List<EncodedEntity> batch = data.entities(from, to);
        t0 = System.nanoTime();
        build.upsert(batch);
        nanos += System.nanoTime() - t0;
        building.count(to, entities, "entities");
      }
      building.step("flush, publish, open the live index");
      t0 = System.nanoTime();
      build.flush();
      // Closing waits for background merges, which would otherwise compete with the searches.
      build.close();
      long publishing = System.nanoTime();
      indexes.publish(BUILD_ID);
      long publishNanos = System.nanoTime() - publishing;
      EntityIndex live = cleanup.add(indexes.openLive());
      nanos += System.nanoTime() - t0;
      long count = live.count();
      if (count != entities) {
        throw new IllegalStateException(label + " holds " + count + " entities after the "
            + "build, not " + entities);
      }
      building.step(String.format(Locale.ROOT, "done: %,d entities in %.1f s", entities,
          nanos / 1e9));
      return new Built(live, nanos / 1e9, publishNanos / 1e9);
    } finally {
      build.close();
    }
  }

  private static SearchLoad.Searcher searcher(EntityIndex index) {
    return (query, k) -> index.search(query, k, EntityFilter.none());
  }
}
