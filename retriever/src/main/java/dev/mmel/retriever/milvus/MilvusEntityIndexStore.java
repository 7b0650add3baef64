package dev.mmel.retriever.milvus;

import dev.mmel.core.IndexSchema;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.client.RetryConfig;
import io.milvus.v2.common.ConsistencyLevel;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Entity indexes on a Milvus server (2.3 or later). Each build is a collection
 * {@code <prefix>_<buildId>} whose description records the model version and schema (see
 * {@link BuildStamp}); readers follow the alias {@code <prefix>_live}, which {@link #publish}
 * moves in one server-side step before dropping the build it pointed at. Holds one client
 * connection, shared by every index it opens and closed by {@link #close}.
 */
public final class MilvusEntityIndexStore implements EntityIndexStore {
  private static final Pattern BUILD = Pattern.compile(BUILD_ID);
  /** The build id whose collection name would be the live alias's. */
  private static final String RESERVED_BUILD_ID = "live";

  private final MilvusConfig config;
  private final MilvusCalls calls;
  private final MilvusClientV2 client;
  private final EntityCollections collections;

  /** Connects, failing after the configured timeout and retries if the server is unreachable. */
  public MilvusEntityIndexStore(MilvusConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    this.calls = new MilvusCalls(config);
    this.client = calls.call("connect", config.uri(), () -> connect(config));
    this.collections = new EntityCollections(client, calls, config);
  }

  private static MilvusClientV2 connect(MilvusConfig config) {
    MilvusClientV2 client = new MilvusClientV2(ConnectConfig.builder().uri(config.uri())
        .connectTimeoutMs(config.connectTimeout().toMillis())
        .rpcDeadlineMs(config.rpcTimeout().toMillis()).build());
    // One attempt per call: retrying is MilvusCalls' job. The SDK's own policy would retry an
    // unreachable server up to 75 times, for minutes, before anyone hears of it.
    client.retryConfig(RetryConfig.builder().maxRetryTimes(1).build());
    return client;
  }

  @Override
  public EntityIndex openLive() {
    String alias = config.liveAlias();
    String collection = liveCollection().orElseThrow(() -> new IllegalStateException(
        "no index is published on Milvus at " + config.uri() + " (there is no alias " + alias
            + "); run `mmel index build` to build and publish one"));
    BuildStamp stamp = collections.stamp(collection);
    collections.prepareForReads(collection);
    return new MilvusEntityIndex(client, calls, collections, collection, stamp,
        config.readConsistency(), config);
  }

  @Override
  public EntityIndex openBuild(String buildId, String modelVersion, IndexSchema schema) {
    String collection = collectionOf(buildId);
    BuildStamp wanted = new BuildStamp(modelVersion, schema);
    EntityFields.checkFits(schema);
    if (collections.exists(collection)) {
      BuildStamp found = collections.stamp(collection);
      if (!found.equals(wanted)) {
        throw new IllegalStateException("build '" + buildId + "' (collection " + collection
            + ") was created for " + found + ", not for " + wanted + "; resume it with the "
            + "same model, or drop it (dropBuild) and build again");
      }
    } else {
      collections.create(collection, wanted);
    }
    collections.prepareForReads(collection);
    return new MilvusEntityIndex(client, calls, collections, collection, wanted,
        ConsistencyLevel.STRONG, config);
  }

  @Override
  public void publish(String buildId) {
    String collection = collectionOf(buildId);
    if (!collections.exists(collection)) {
      throw new IllegalStateException("cannot publish build '" + buildId + "': there is no "
          + "collection " + collection + " on " + config.uri() + "; create and fill it with "
          + "openBuild first");
    }
    collections.stamp(collection);
    collections.prepareForReads(collection);
    collections.flush(collection);
    collections.awaitIndexedServing(collection);
    Optional<String> previous = liveCollection();
    if (previous.map(collection::equals).orElse(false)) {
      return;
    }
    collections.pointAlias(config.liveAlias(), collection, previous.isPresent());
    previous.ifPresent(collections::drop);
  }

  @Override
  public void dropBuild(String buildId) {
    String collection = collectionOf(buildId);
    if (liveCollection().map(collection::equals).orElse(false)) {
      throw new IllegalStateException("build '" + buildId + "' is live (alias "
          + config.liveAlias() + " points at " + collection + "); publish another build first");
    }
    collections.drop(collection);
  }

  @Override
  public Optional<String> liveBuildId() {
    return liveCollection().map(c -> c.substring(config.collectionPrefix().length() + 1));
  }

  @Override
  public void close() {
    client.close();
  }

  @Override
  public String toString() {
    return "Milvus entity index store at " + config.uri() + " (prefix "
        + config.collectionPrefix() + ")";
  }

  /** The alias's collection; refuses an alias someone pointed outside this store's builds. */
  private Optional<String> liveCollection() {
    String alias = config.liveAlias();
    Optional<String> collection = collections.aliasTarget(alias);
    String builds = config.collectionPrefix() + "_";
    if (collection.isPresent() && !collection.get().startsWith(builds)) {
      throw new IllegalStateException("alias " + alias + " points at collection "
          + collection.get() + ", which is not a build of prefix '" + config.collectionPrefix()
          + "'; point it back with `mmel index build` or drop the alias");
    }
    return collection;
  }

  private String collectionOf(String buildId) {
    if (buildId == null || !BUILD.matcher(buildId).matches()) {
      throw new IllegalArgumentException("build id must match " + BUILD_ID
          + " (lower-case letters, digits and _, at most 40), got '" + buildId + "'");
    }
    if (buildId.equals(RESERVED_BUILD_ID)) {
      throw new IllegalArgumentException("build id '" + RESERVED_BUILD_ID + "' is reserved: "
          + config.liveAlias() + " is the alias of the live index");
    }
    return config.collectionPrefix() + "_" + buildId;
  }
}
