package dev.mmel.retriever.embedded;

import dev.mmel.core.IndexSchema;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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
 *   LIVE                              the published build's id (replaced atomically)
 *   builds/&lt;id&gt;/build.properties  model version and schema (written atomically, first)
 *   builds/&lt;id&gt;/lucene/            the Lucene index
 *   trash/                            builds being deleted
 * </pre>
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
  private static final Pattern BUILD_ID_PATTERN = Pattern.compile(BUILD_ID);
  private static final String LIVE = "LIVE";
  private static final String BUILDS = "builds";
  private static final String TRASH = "trash";
  private static final String LUCENE = "lucene";

  private final Path root;
  private final int searchCandidates;
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
    if (searchCandidates < 1 || searchCandidates > EmbeddedEntityIndex.MAX_SEARCH_CANDIDATES) {
      throw new IllegalArgumentException("search_candidates must be in [1, "
          + EmbeddedEntityIndex.MAX_SEARCH_CANDIDATES + "], got " + searchCandidates);
    }
    this.searchCandidates = searchCandidates;
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
          searchCandidates, this::released));
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
      return track(EmbeddedEntityIndex.openForWriting(buildId, luceneDir(buildId), wanted,
          searchCandidates, this::released));
    } catch (IOException e) {
      throw failed("open build '" + buildId + "'", e);
    }
  }

  @Override
  public synchronized void publish(String buildId) {
    ensureOpen();
    checkBuildId(buildId);
    Optional<String> previous = liveBuildId();
    if (previous.isPresent() && previous.get().equals(buildId)) {
      return;
    }
    if (metadata(buildId).isEmpty()) {
      throw new IllegalArgumentException("there is no build '" + buildId + "' in " + root
          + " to publish");
    }
    if (previous.isPresent() && isBeingWritten(previous.get())) {
      throw new IllegalStateException("build '" + previous.get() + "' is live and open for "
          + "writing; close it before publishing '" + buildId + "', which deletes it");
    }
    try {
      AtomicFiles.write(root.resolve(LIVE), (buildId + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw failed("publish build '" + buildId + "'", e);
    }
    if (previous.isPresent()) {
      try {
        delete(previous.get());
      } catch (IOException e) {
        throw failed("delete the previously live build '" + previous.get() + "' after "
            + "publishing '" + buildId + "' (drop it later)", e);
      }
    }
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
      delete(buildId);
    } catch (IOException e) {
      throw failed("drop build '" + buildId + "'", e);
    }
  }

  @Override
  public Optional<String> liveBuildId() {
    Path pointer = root.resolve(LIVE);
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
