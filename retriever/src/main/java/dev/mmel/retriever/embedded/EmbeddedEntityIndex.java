package dev.mmel.retriever.embedded;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.NameKeys;
import dev.mmel.core.RerankFeatures;
import dev.mmel.retriever.EntityFilter;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.SearchHit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.lucene.index.IndexNotFoundException;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.util.IOUtils;

/**
 * One build as a Lucene index on disk: a document per entity keyed by QID, its retrieval vector in
 * an HNSW graph under {@code MAXIMUM_INNER_PRODUCT} (the vectors are not unit length), its record
 * and fp16 rerank features as stored fields, and its name keys as terms.
 *
 * <p>Reads see the build's last commit. {@link #flush} commits this index's writes and refreshes
 * its searcher at once; commits made through another handle (a refresh job writing to the live
 * build) are picked up by reads within a second. Writes not yet flushed
 * are invisible to reads. Open one handle per process and share it: searches, reads and counts
 * may run on many threads at once, alongside one writing thread.
 *
 * <p>The Lucene writer, which holds the build's write lock, is opened when the handle is opened
 * for a build, and on the first write when it was opened as the live index, so that any number of
 * processes can read the live index while one of them updates it.
 */
public final class EmbeddedEntityIndex implements EntityIndex {
  /**
   * Lucene's kNN search explores as many candidates as it returns, which misses neighbours when
   * that is few: on 5,000 Gaussian 800-d vectors (the hard case: no entity stands out), recall@10
   * is 0.90 exploring 100, 0.95 at 150, 0.97 at 200 and 0.99 at 300. A search for k explores
   * {@code max(searchCandidates, 2k)} and keeps the best k (HNSW's ef, as the Milvus store does
   * with its own minimum). At 20,000 entities exploring 200 took about 2.7 ms a search against
   * 1.8 ms for 100, on Java 17, where Lucene's vector code is scalar.
   */
  public static final int DEFAULT_SEARCH_CANDIDATES = 200;
  /** Far beyond any useful ef; bounds the work one request can ask for. */
  public static final int MAX_SEARCH_CANDIDATES = 32_768;
  /**
   * A bigger buffer than Lucene's 16 MB writes fewer, larger segments, so less HNSW graph gets
   * rebuilt by merges on a large build (an entity takes about 3.3 KB of it for 800 floats).
   */
  private static final double RAM_BUFFER_MB = 128;
  private static final long REFRESH_INTERVAL_NANOS = 1_000_000_000L;

  private final String buildId;
  private final Path luceneDir;
  private final BuildMetadata metadata;
  private final int searchCandidates;
  private final Directory directory;
  private final SearcherManager searchers;
  /** Tells the store that opened this index that it is closed. */
  private final Consumer<EmbeddedEntityIndex> onClose;
  /** Lent to this handle's writer; its threads start with the first merge. */
  private final GraphMergeWorkers mergeWorkers;
  private final Object writerLock = new Object();
  /** Null until this handle writes or was opened for a build. */
  private volatile IndexWriter writer;
  private final AtomicLong nextRefresh;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EmbeddedEntityIndex(String buildId, Path luceneDir, BuildMetadata metadata,
      int searchCandidates, Directory directory, GraphMergeWorkers mergeWorkers,
      IndexWriter writer, Consumer<EmbeddedEntityIndex> onClose) throws IOException {
    this.buildId = buildId;
    this.luceneDir = luceneDir;
    this.metadata = metadata;
    this.searchCandidates = searchCandidates;
    this.directory = directory;
    this.mergeWorkers = mergeWorkers;
    this.writer = writer;
    this.onClose = onClose;
    this.searchers = new SearcherManager(directory, null);
    this.nextRefresh = new AtomicLong(System.nanoTime() + REFRESH_INTERVAL_NANOS);
  }

  /** Creates the Lucene index in {@code luceneDir}, or reopens it, for writing. */
  static EmbeddedEntityIndex openForWriting(String buildId, Path luceneDir,
      BuildMetadata metadata, int searchCandidates, int mergeWorkers,
      Consumer<EmbeddedEntityIndex> onClose) throws IOException {
    Directory directory = FSDirectory.open(luceneDir);
    GraphMergeWorkers workers = GraphMergeWorkers.of(mergeWorkers, buildId);
    IndexWriter writer = null;
    try {
      writer = newWriter(buildId, luceneDir, directory,
          IndexWriterConfig.OpenMode.CREATE_OR_APPEND, workers);
      // A first commit at once, so that even an empty build can be read and published.
      writer.commit();
      return new EmbeddedEntityIndex(buildId, luceneDir, metadata, searchCandidates, directory,
          workers, writer, onClose);
    } catch (IOException | RuntimeException e) {
      IOUtils.closeWhileHandlingException(writer, directory, workers);
      throw e;
    }
  }

  /** Opens the last commit of the Lucene index in {@code luceneDir}; writes open a writer. */
  static EmbeddedEntityIndex openForReading(String buildId, Path luceneDir,
      BuildMetadata metadata, int searchCandidates, int mergeWorkers,
      Consumer<EmbeddedEntityIndex> onClose) throws IOException {
    Directory directory = FSDirectory.open(luceneDir);
    GraphMergeWorkers workers = GraphMergeWorkers.of(mergeWorkers, buildId);
    try {
      return new EmbeddedEntityIndex(buildId, luceneDir, metadata, searchCandidates, directory,
          workers, null, onClose);
    } catch (IndexNotFoundException | NoSuchFileException e) {
      IOUtils.closeWhileHandlingException(directory, workers);
      throw new IllegalStateException("build '" + buildId + "' has no index in " + luceneDir
          + "; rebuild it with `mmel index build`", e);
    } catch (IOException | RuntimeException e) {
      IOUtils.closeWhileHandlingException(directory, workers);
      throw e;
    }
  }

  /**
   * Merges the build's last commit into one segment, so that a search walks one HNSW graph
   * instead of one per segment: on the WikiMEL KB (18,880 entities, 672-d) a build left in four
   * segments searched in 3.2 ms, merged in 1.9 ms, and the merge took 6 s. A build already in one
   * segment without deletions is left as it is. The merged graph is built by {@code mergeWorkers}
   * threads.
   */
  static void mergeToOneSegment(String buildId, Path luceneDir, int mergeWorkers)
      throws IOException {
    try (GraphMergeWorkers workers = GraphMergeWorkers.of(mergeWorkers, buildId);
        Directory directory = FSDirectory.open(luceneDir);
        IndexWriter writer = newWriter(buildId, luceneDir, directory,
            IndexWriterConfig.OpenMode.APPEND, workers)) {
      writer.forceMerge(1);
      writer.commit();
    }
  }

  private static IndexWriter newWriter(String buildId, Path luceneDir, Directory directory,
      IndexWriterConfig.OpenMode mode, GraphMergeWorkers mergeWorkers) throws IOException {
    try {
      return new IndexWriter(directory, new IndexWriterConfig().setOpenMode(mode)
          .setRAMBufferSizeMB(RAM_BUFFER_MB).setCodec(mergeWorkers.codec()));
    } catch (LockObtainFailedException e) {
      throw new IllegalStateException("build '" + buildId + "' in " + luceneDir + " is already "
          + "open for writing, in this process or another (Lucene's write lock is held); close "
          + "that index first", e);
    }
  }

  @Override
  public IndexSchema schema() {
    return metadata.schema();
  }

  @Override
  public String modelVersion() {
    return metadata.modelVersion();
  }

  @Override
  public void upsert(List<EncodedEntity> entities) {
    ensureOpen();
    Objects.requireNonNull(entities, "entities");
    // Everything is checked and converted before the first write, so a bad batch writes nothing.
    Map<String, EncodedEntity> byQid = new LinkedHashMap<>();
    for (EncodedEntity entity : entities) {
      Objects.requireNonNull(entity, "entities must not contain null");
      schema().check(entity);
      byQid.put(entity.record().qid(), entity);
    }
    if (byQid.isEmpty()) {
      return;
    }
    try {
      IndexWriter writer = writer();
      for (EncodedEntity entity : byQid.values()) {
        writer.updateDocument(EntityDocuments.qidTerm(entity.record().qid()),
            EntityDocuments.of(entity));
      }
    } catch (IOException e) {
      throw failed("write to", e);
    }
  }

  @Override
  public void delete(Collection<String> qids) {
    ensureOpen();
    Objects.requireNonNull(qids, "qids");
    if (qids.isEmpty()) {
      return;
    }
    Term[] terms = qids.stream()
        .map(qid -> EntityDocuments.qidTerm(Objects.requireNonNull(qid, "qids must not hold null")))
        .toArray(Term[]::new);
    try {
      writer().deleteDocuments(terms);
    } catch (IOException e) {
      throw failed("delete from", e);
    }
  }

  @Override
  public void flush() {
    ensureOpen();
    try {
      IndexWriter current = writer;
      if (current != null) {
        current.commit();
      }
      searchers.maybeRefreshBlocking();
    } catch (NoSuchFileException e) {
      throw new IllegalStateException("build '" + buildId + "' is gone from " + luceneDir
          + " (dropBuild or gc deleted it); open the live index again", e);
    } catch (IOException e) {
      throw failed("flush", e);
    }
  }

  @Override
  public List<SearchHit> search(float[] query, int k, EntityFilter filter) {
    schema().checkQuery(query);
    EntityIndex.checkResultCount("k", k);
    Objects.requireNonNull(filter, "filter (EntityFilter.none() for no filter)");
    KnnFloatVectorQuery knn = new KnnFloatVectorQuery(EntityDocuments.RETRIEVAL, query,
        Math.min(MAX_SEARCH_CANDIDATES, Math.max(searchCandidates, 2 * k)),
        FilterQueries.of(filter));
    return read("search", searcher -> {
      ScoreDoc[] top = searcher.search(knn, k).scoreDocs;
      String[] qids = QidDocs.of(searcher.getIndexReader(), top);
      List<SearchHit> hits = new ArrayList<>(top.length);
      for (int i = 0; i < top.length; i++) {
        hits.add(new SearchHit(qids[i], MaxInnerProduct.innerProduct(top[i].score)));
      }
      return hits;
    });
  }

  @Override
  public Map<String, EncodedEntity> entities(Collection<String> qids) {
    Objects.requireNonNull(qids, "qids");
    return read("read entities from", searcher -> {
      Map<String, EncodedEntity> entities = new HashMap<>();
      QidDocs.forEach(searcher.getIndexReader(), qids, (qid, segment, stored, doc) ->
          entities.put(qid, EntityDocuments.entity(segment, stored, doc, schema())));
      return entities;
    });
  }

  @Override
  public Map<String, RerankFeatures> rerankFeatures(Collection<String> qids) {
    Objects.requireNonNull(qids, "qids");
    return read("read rerank features from", searcher -> {
      Map<String, RerankFeatures> features = new HashMap<>();
      QidDocs.forEach(searcher.getIndexReader(), qids, (qid, segment, stored, doc) ->
          features.put(qid, EntityDocuments.rerank(stored, doc, schema())));
      return features;
    });
  }

  @Override
  public Map<String, EntityRecord> records(Collection<String> qids) {
    Objects.requireNonNull(qids, "qids");
    return read("read records from", searcher -> {
      Map<String, EntityRecord> records = new HashMap<>();
      QidDocs.forEach(searcher.getIndexReader(), qids, (qid, segment, stored, doc) ->
          records.put(qid, EntityDocuments.record(stored, doc)));
      return records;
    });
  }

  /**
   * Upserts replace by QID, so each QID has at most one live document and the matches need no
   * de-duplication. They come in index order (constant scores).
   */
  @Override
  public List<EntityRecord> lookupByName(String surface, int limit) {
    return lookupByKey(EntityDocuments.NAME_KEY, surface, limit);
  }

  @Override
  public List<EntityRecord> lookupByNamePart(String surface, int limit) {
    return lookupByKey(EntityDocuments.NAME_PART, surface, limit);
  }

  private List<EntityRecord> lookupByKey(String field, String surface, int limit) {
    Objects.requireNonNull(surface, "surface");
    EntityIndex.checkResultCount("limit", limit);
    String key = NameKeys.of(surface);
    if (key.isEmpty()) {
      return List.of();
    }
    ConstantScoreQuery byKey = new ConstantScoreQuery(new TermQuery(new Term(field, key)));
    return read("look up names in", searcher -> {
      ScoreDoc[] top = searcher.search(byKey, limit).scoreDocs;
      StoredFields stored = searcher.storedFields();
      List<EntityRecord> records = new ArrayList<>(top.length);
      for (ScoreDoc hit : top) {
        records.add(EntityDocuments.record(stored, hit.doc));
      }
      return records;
    });
  }

  @Override
  public long count() {
    return read("count", searcher -> (long) searcher.getIndexReader().numDocs());
  }

  /** Releases the searchers and the writer, committing what was written and not flushed. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      synchronized (writerLock) {
        IOUtils.close(searchers, writer, directory, mergeWorkers);
      }
    } catch (IOException e) {
      throw failed("close", e);
    } finally {
      onClose.accept(this);
    }
  }

  @Override
  public String toString() {
    return "EmbeddedEntityIndex[" + buildId + "]";
  }

  private interface SearcherFunction<T> {
    T apply(IndexSearcher searcher) throws IOException;
  }

  private <T> T read(String action, SearcherFunction<T> function) {
    ensureOpen();
    try {
      refreshIfDue();
      IndexSearcher searcher = searchers.acquire();
      try {
        return function.apply(searcher);
      } finally {
        searchers.release(searcher);
      }
    } catch (IOException e) {
      throw failed(action, e);
    }
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  /**
   * Picks up commits made through other handles, from one reading thread at a time. A build
   * deleted by a later publish keeps serving what this handle had open (its files stay readable
   * while open), until the caller opens the live index again.
   */
  private void refreshIfDue() throws IOException {
    long now = System.nanoTime();
    long due = nextRefresh.get();
    if (now - due < 0 || !nextRefresh.compareAndSet(due, now + REFRESH_INTERVAL_NANOS)) {
      return;
    }
    try {
      searchers.maybeRefresh();
    } catch (NoSuchFileException e) {
      // Deleted under us: see above.
    }
  }

  private IndexWriter writer() throws IOException {
    IndexWriter current = writer;
    if (current != null) {
      return current;
    }
    synchronized (writerLock) {
      ensureOpen();
      if (writer == null) {
        writer = newWriter(buildId, luceneDir, directory, IndexWriterConfig.OpenMode.APPEND,
            mergeWorkers);
      }
      return writer;
    }
  }

  private UncheckedIOException failed(String action, IOException e) {
    return new UncheckedIOException("could not " + action + " build '" + buildId + "' in "
        + luceneDir + ": " + e.getMessage(), e);
  }
}
