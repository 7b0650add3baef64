package dev.mmel.retriever.embedded;

import dev.mmel.core.IndexSchema;
import dev.mmel.retriever.BuildCount;
import dev.mmel.retriever.BuildInfo;
import dev.mmel.retriever.BuildState;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.PublishPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.Lock;
import org.apache.lucene.store.LockObtainFailedException;

/**
 * Entity indexes in a directory, no server needed. Layout under the root:
 *
 * <pre>
 *   LIVE                                 the published build's id (replaced atomically)
 *   PREVIOUS                             the build live before it (replaced atomically)
 *   builds/&lt;id&gt;/build.properties     model version and schema (written atomically, first)
 *   builds/&lt;id&gt;/complete.properties  entity count and times, once a publish was attempted
 *   builds/&lt;id&gt;/lucene/               the Lucene index
 *   trash/                               builds being deleted
 * </pre>
 *
 * <p>A publish merges the build into one Lucene segment before readers see it (one HNSW graph to
 * search, as Milvus' publish waits for sealed, indexed segments). A publish writes PREVIOUS
 * before LIVE and a rollback LIVE before PREVIOUS, so that a crash
 * between the two renames can only leave unprotected the build that was on its way out (after a
 * rollback, the build rolled back from): never the build readers see.
 *
 * <p>A build is deleted by renaming it into {@code trash/} first, so that a crash half-way leaves
 * no half-deleted build behind, only trash, which the next store on the root clears. Readers that
 * opened the live index before a publish keep reading the old build (its files stay readable
 * while open, on POSIX file systems) until they call {@link #openLive} again.
 *
 * <p>Opening an index reads its segments: open the live index once per process and share the
 * handle, which is thread-safe, as is the store. A build has at most one writer, in this process
 * or any other: Lucene's write lock keeps it so, and publish and drop refuse to delete a build
 * whose lock is held.
 */
public final class EmbeddedEntityIndexStore implements EntityIndexStore {
  /** Far beyond the cores of any host this runs on; bounds the threads one option can ask for. */
  public static final int MAX_MERGE_WORKERS = 512;
  private static final Pattern BUILD_ID_PATTERN = Pattern.compile(BUILD_ID);
  private static final String LIVE = "LIVE";
  private static final String PREVIOUS = "PREVIOUS";
  private static final String BUILDS = "builds";
  private static final String TRASH = "trash";
  private static final String LUCENE = "lucene";

  private final Path root;
  private final int searchCandidates;
  private final int mergeWorkers;
  private final Set<EmbeddedEntityIndex> open = new HashSet<>();
  private boolean closed;

  /** A store on {@code root}, created if missing, with the default search breadth. */
  public EmbeddedEntityIndexStore(Path root) {
    this(root, EmbeddedEntityIndex.DEFAULT_SEARCH_CANDIDATES);
  }

  /**
   * A store on {@code root}, created if missing, whose indexes explore {@code max(
   * searchCandidates, 2k)} graph candidates for a search of k (more: higher recall, slower).
   */
  public EmbeddedEntityIndexStore(Path root, int searchCandidates) {
    this(root, searchCandidates, Runtime.getRuntime().availableProcessors());
  }

  /**
   * As {@link #EmbeddedEntityIndexStore(Path, int)}, with the threads that build the merged
   * HNSW graph when a build is published: one per processor by default, fewer to leave cores
   * to a server sharing the host.
   */
  public EmbeddedEntityIndexStore(Path root, int searchCandidates, int mergeWorkers) {
    if (searchCandidates < 1 || searchCandidates > EmbeddedEntityIndex.MAX_SEARCH_CANDIDATES) {
      throw new IllegalArgumentException("search_candidates must be in [1, "
          + EmbeddedEntityIndex.MAX_SEARCH_CANDIDATES + "], got " + searchCandidates);
    }
    if (mergeWorkers < 1 || mergeWorkers > MAX_MERGE_WORKERS) {
      throw new IllegalArgumentException("merge_workers must be in [1, " + MAX_MERGE_WORKERS
          + "], got " + mergeWorkers);
    }
    this.searchCandidates = searchCandidates;
    this.mergeWorkers = mergeWorkers;
    this.root = root.toAbsolutePath();
    try {
      Files.createDirectories(this.root.resolve(BUILDS));
      Files.createDirectories(this.root.resolve(TRASH));
      try (Stream<Path> leftovers = Files.list(this.root.resolve(TRASH))) {
        for (Path leftover : leftovers.toList()) {
          deleteTree(leftover);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not open the entity index store in " + this.root
          + ": " + e.getMessage(), e);
    }
  }

  /** Graph candidates a search of k explores at least (it explores max(this, 2k)). */
  public int searchCandidates() {
    return searchCandidates;
  }

  @Override
  public synchronized EntityIndex openLive() {
    ensureOpen();
    String buildId = liveBuildId().orElseThrow(() -> new IllegalStateException(
        "no index is published in " + root + "; run `mmel index build` to build and publish one"));
    BuildMetadata metadata = metadata(buildId).orElseThrow(() -> new IllegalStateException(
        root.resolve(LIVE) + " names build '" + buildId + "', which is missing from "
            + buildDir(buildId) + "; run `mmel index build` to build and publish a new one"));
    try {
      return track(EmbeddedEntityIndex.openForReading(buildId, luceneDir(buildId), metadata,
          searchCandidates, mergeWorkers, this::released));
    } catch (IOException e) {
      throw failed("open the live build '" + buildId + "'", e);
    }
  }

  @Override
  public synchronized EntityIndex openBuild(String buildId, String modelVersion,
      IndexSchema schema) {
    ensureOpen();
    checkBuildId(buildId);
    if (modelVersion == null || modelVersion.isBlank()) {
      throw new IllegalArgumentException("model version of build '" + buildId
          + "' must not be empty");
    }
    Objects.requireNonNull(schema, "schema");
    int maxDim = Codec.getDefault().knnVectorsFormat()
        .getMaxDimensions(EntityDocuments.RETRIEVAL);
    if (schema.retrievalDim() > maxDim) {
      throw new IllegalArgumentException("retrieval_dim " + schema.retrievalDim()
          + " is more than the " + maxDim + " dimensions Lucene indexes");
    }
    BuildMetadata wanted = new BuildMetadata(modelVersion, schema);
    try {
      Optional<BuildMetadata> recorded = metadata(buildId);
      if (recorded.isPresent() && !recorded.get().equals(wanted)) {
        throw new IllegalStateException("build '" + buildId + "' was created for model version "
            + recorded.get().modelVersion() + " and " + recorded.get().schema()
            + "; it cannot be reopened for model version " + modelVersion + " and " + schema
            + ". Drop it or write to another build id");
      }
      if (recorded.isEmpty()) {
        Files.createDirectories(buildDir(buildId));
        wanted.write(buildDir(buildId));
      }
      EmbeddedEntityIndex index = track(EmbeddedEntityIndex.openForWriting(buildId,
          luceneDir(buildId), wanted, searchCandidates, mergeWorkers, this::released));
      // A build written again is unfinished until published again; the live one is being
      // refreshed in place and stays what it is.
      if (!liveBuildId().map(buildId::equals).orElse(false)) {
        BuildCompletion.delete(buildDir(buildId));
      }
      return index;
    } catch (IOException e) {
      throw failed("open build '" + buildId + "'", e);
    }
  }

  @Override
  public synchronized void publish(String buildId, PublishPolicy policy) {
    ensureOpen();
    checkBuildId(buildId);
    Objects.requireNonNull(policy, "policy");
    Optional<String> live = liveBuildId();
    if (live.isPresent() && live.get().equals(buildId)) {
      return;
    }
    if (metadata(buildId).isEmpty()) {
      throw new IllegalArgumentException("there is no build '" + buildId + "' in " + root
          + " to publish");
    }
    if (isBeingWritten(buildId)) {
      throw new IllegalStateException("build '" + buildId + "' is open for writing; close it "
          + "before publishing it");
    }
    // A pointer left naming a build that is gone protects nothing and holds nothing to compare.
    Optional<String> replaced = live.filter(id -> metadata(id).isPresent());
    if (replaced.isPresent() && isBeingWritten(replaced.get())) {
      throw new IllegalStateException("build '" + replaced.get() + "' is live and open for "
          + "writing; close it before publishing '" + buildId + "', or its writes would go to a "
          + "build readers no longer see");
    }
    try {
      BuildCompletion completion = complete(buildId);
      policy.check(new BuildCount(buildId, completion.entities()),
          replaced.map(id -> new BuildCount(id, count(id))));
      EmbeddedEntityIndex.mergeToOneSegment(buildId, luceneDir(buildId), mergeWorkers);
      completion.published(Instant.now()).write(buildDir(buildId));
      if (replaced.isPresent()) {
        writePointer(PREVIOUS, replaced.get());
      }
      writePointer(LIVE, buildId);
    } catch (IOException e) {
      throw failed("publish build '" + buildId + "'", e);
    }
  }

  @Override
  public synchronized String rollback() {
    ensureOpen();
    String live = liveBuildId().orElseThrow(() -> new IllegalStateException("no index is "
        + "published in " + root + ", so there is nothing to roll back"));
    String previous = previousBuildId().orElseThrow(() -> new IllegalStateException("there is "
        + "no previous build to roll back to in " + root + ": build '" + live + "' is live and "
        + "no build was live before it (or it was dropped). Publish another build with `mmel "
        + "index build` instead"));
    if (metadata(previous).isEmpty()) {
      throw new IllegalStateException("the previous build '" + previous + "' is missing from "
          + buildDir(previous) + "; publish another build with `mmel index build` instead");
    }
    if (isBeingWritten(live)) {
      throw new IllegalStateException("build '" + live + "' is live and open for writing; "
          + "close it before rolling back to '" + previous + "', or its writes would go to a "
          + "build readers no longer see");
    }
    try {
      writePointer(LIVE, previous);
      writePointer(PREVIOUS, live);
    } catch (IOException e) {
      throw failed("roll back from build '" + live + "' to '" + previous + "'", e);
    }
    return previous;
  }

  @Override
  public synchronized void dropBuild(String buildId) {
    ensureOpen();
    checkBuildId(buildId);
    if (liveBuildId().map(buildId::equals).orElse(false)) {
      throw new IllegalStateException("build '" + buildId + "' is live and cannot be dropped; "
          + "publish another build first");
    }
    if (isBeingWritten(buildId)) {
      throw new IllegalStateException("build '" + buildId + "' is open for writing; close it "
          + "before dropping it");
    }
    try {
      if (previousBuildId().map(buildId::equals).orElse(false)) {
        Files.deleteIfExists(root.resolve(PREVIOUS));
      }
      delete(buildId);
    } catch (IOException e) {
      throw failed("drop build '" + buildId + "'", e);
    }
  }

  @Override
  public Optional<String> liveBuildId() {
    return readPointer(LIVE);
  }

  /** Empty also while PREVIOUS names the live build, as an interrupted publish leaves it. */
  @Override
  public Optional<String> previousBuildId() {
    Optional<String> previous = readPointer(PREVIOUS);
    return previous.equals(liveBuildId()) ? Optional.empty() : previous;
  }

  @Override
  public synchronized List<BuildInfo> builds() {
    ensureOpen();
    Optional<String> live = liveBuildId();
    Optional<String> previous = previousBuildId();
    List<BuildInfo> builds = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root.resolve(BUILDS))) {
      for (Path dir : dirs.sorted().toList()) {
        String id = dir.getFileName().toString();
        if (Files.isDirectory(dir) && BUILD_ID_PATTERN.matcher(id).matches()) {
          builds.add(info(id, live, previous));
        }
      }
    } catch (IOException e) {
      throw failed("list the builds", e);
    }
    builds.sort(Comparator.comparing((BuildInfo b) -> b.created().orElse(Instant.EPOCH))
        .thenComparing(BuildInfo::buildId));
    return builds;
  }

  /**
   * Also spares a build whose Lucene write lock is held, whatever its age: a writer in this
   * process or another on this machine is open on it.
   */
  @Override
  public synchronized List<BuildInfo> gc(Duration minAge) {
    ensureOpen();
    Instant cutoff = Instant.now().minus(EntityIndexStore.checkMinAge(minAge));
    List<BuildInfo> removed = new ArrayList<>();
    for (BuildInfo build : builds()) {
      if (build.state().collectable() && build.untouchedSince(cutoff)
          && !isBeingWritten(build.buildId())) {
        try {
          delete(build.buildId());
        } catch (IOException e) {
          throw failed("remove build '" + build.buildId() + "' (gc removed " + removed.size()
              + " before it)", e);
        }
        removed.add(build);
      }
    }
    return removed;
  }

  /** Closes every index opened from this store that is still open. */
  @Override
  public void close() {
    List<EmbeddedEntityIndex> indexes;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      indexes = new ArrayList<>(open);
    }
    RuntimeException first = null;
    for (EmbeddedEntityIndex index : indexes) {
      try {
        index.close();
      } catch (RuntimeException e) {
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

  @Override
  public String toString() {
    return "EmbeddedEntityIndexStore[" + root + "]";
  }

  private EmbeddedEntityIndex track(EmbeddedEntityIndex index) {
    open.add(index);
    return index;
  }

  private synchronized void released(EmbeddedEntityIndex index) {
    open.remove(index);
  }

  /**
   * Whether some index, in this process or another, holds the build's Lucene write lock. A probe,
   * not a reservation: it guards against deleting a build under a writer that is already open.
   */
  private boolean isBeingWritten(String buildId) {
    Path dir = luceneDir(buildId);
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Directory directory = FSDirectory.open(dir);
        Lock lock = directory.obtainLock(IndexWriter.WRITE_LOCK_NAME)) {
      return false;
    } catch (LockObtainFailedException e) {
      return true;
    } catch (IOException e) {
      throw failed("check the write lock of build '" + buildId + "'", e);
    }
  }

  /**
   * Counts the build's last commit and records the build as complete with that count, unless
   * the marker already says so: a build refreshed while it was live holds another count than
   * when it was completed.
   */
  private BuildCompletion complete(String buildId) throws IOException {
    long entities = count(buildId);
    Optional<BuildCompletion> recorded = BuildCompletion.read(buildDir(buildId));
    if (recorded.isPresent() && recorded.get().entities() == entities) {
      return recorded.get();
    }
    BuildCompletion completion = new BuildCompletion(entities, Instant.now(),
        recorded.flatMap(BuildCompletion::publishedAt));
    completion.write(buildDir(buildId));
    return completion;
  }

  /** Entities in the build's last commit. */
  private long count(String buildId) {
    BuildMetadata metadata = metadata(buildId).orElseThrow(() -> new IllegalStateException(
        "build '" + buildId + "' has no " + BuildMetadata.FILE_NAME + " in " + buildDir(buildId)));
    try (EmbeddedEntityIndex index = EmbeddedEntityIndex.openForReading(buildId,
        luceneDir(buildId), metadata, searchCandidates, 1, closed -> { })) {
      return index.count();
    } catch (IOException e) {
      throw failed("count the entities of build '" + buildId + "'", e);
    }
  }

  private BuildInfo info(String buildId, Optional<String> live, Optional<String> previous)
      throws IOException {
    Path dir = buildDir(buildId);
    Optional<BuildMetadata> metadata = metadata(buildId);
    Optional<BuildCompletion> completion = BuildCompletion.read(dir);
    BuildState state = BuildState.of(live.map(buildId::equals).orElse(false),
        previous.map(buildId::equals).orElse(false), completion.isPresent(),
        completion.flatMap(BuildCompletion::publishedAt).isPresent());
    Path metadataFile = dir.resolve(BuildMetadata.FILE_NAME);
    // The metadata file is written once, when the build is created, and never again.
    Instant created = Files.getLastModifiedTime(Files.exists(metadataFile) ? metadataFile : dir)
        .toInstant();
    BuildFiles files = BuildFiles.of(dir);
    OptionalLong entities = metadata.isPresent() ? countIfReadable(buildId)
        : OptionalLong.empty();
    if (entities.isEmpty() && completion.isPresent()) {
      entities = OptionalLong.of(completion.get().entities());
    }
    return new BuildInfo(buildId, state, entities, metadata.map(BuildMetadata::modelVersion),
        Optional.of(created), Optional.of(files.lastModified()),
        OptionalLong.of(files.bytes()));
  }

  /** A build killed before its first commit has no index to count. */
  private OptionalLong countIfReadable(String buildId) {
    try {
      return OptionalLong.of(count(buildId));
    } catch (IllegalStateException | UncheckedIOException e) {
      return OptionalLong.empty();
    }
  }

  private Optional<String> readPointer(String name) {
    Path pointer = root.resolve(name);
    String content;
    try {
      content = Files.readString(pointer, StandardCharsets.UTF_8).strip();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw failed("read " + pointer, e);
    }
    if (!BUILD_ID_PATTERN.matcher(content).matches()) {
      throw new IllegalStateException(pointer + " holds '" + content + "', not a build id ("
          + BUILD_ID + "); delete it and publish a build again");
    }
    return Optional.of(content);
  }

  private void writePointer(String name, String buildId) throws IOException {
    AtomicFiles.write(root.resolve(name), (buildId + "\n").getBytes(StandardCharsets.UTF_8));
  }

  private Optional<BuildMetadata> metadata(String buildId) {
    try {
      return BuildMetadata.read(buildDir(buildId));
    } catch (IOException e) {
      throw failed("read the metadata of build '" + buildId + "'", e);
    }
  }

  /** Moves the build out of {@code builds/} in one step, then deletes it at leisure. */
  private void delete(String buildId) throws IOException {
    Path dir = buildDir(buildId);
    if (!Files.exists(dir)) {
      return;
    }
    Path trashed = root.resolve(TRASH).resolve(buildId + "-" + System.nanoTime());
    Files.move(dir, trashed, StandardCopyOption.ATOMIC_MOVE);
    deleteTree(trashed);
  }

  /** Tolerates what vanishes meanwhile: another store on the root may be clearing the trash. */
  private static void deleteTree(Path top) throws IOException {
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(top)) {
      paths = walk.sorted(Comparator.reverseOrder()).toList();
    } catch (NoSuchFileException e) {
      return;
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof NoSuchFileException) {
        return;
      }
      throw e;
    }
    for (Path path : paths) {
      Files.deleteIfExists(path);
    }
  }

  private Path buildDir(String buildId) {
    return root.resolve(BUILDS).resolve(buildId);
  }

  private Path luceneDir(String buildId) {
    return buildDir(buildId).resolve(LUCENE);
  }

  private static void checkBuildId(String buildId) {
    if (buildId == null || !BUILD_ID_PATTERN.matcher(buildId).matches()) {
      throw new IllegalArgumentException("build id '" + buildId + "' must match " + BUILD_ID
          + " (lower-case letters, digits and underscores, at most 40)");
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  private UncheckedIOException failed(String action, IOException e) {
    return new UncheckedIOException("could not " + action + " in " + root + ": " + e.getMessage(),
        e);
  }
}
