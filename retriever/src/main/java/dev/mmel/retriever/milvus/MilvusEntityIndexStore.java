package dev.mmel.retriever.milvus;

import dev.mmel.core.IndexSchema;
import dev.mmel.retriever.BuildCount;
import dev.mmel.retriever.BuildInfo;
import dev.mmel.retriever.BuildState;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.PublishPolicy;
import dev.mmel.retriever.PublishRefusedException;
import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.client.RetryConfig;
import io.milvus.v2.common.ConsistencyLevel;
import io.milvus.v2.service.collection.response.DescribeCollectionResp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Entity indexes on a Milvus server (2.3 or later). Each build is a collection
 * {@code <prefix>_<buildId>} whose description records the model version and schema (see
 * {@link BuildStamp}) and whose properties record its progress (see {@link BuildProgress}).
 * Readers follow the alias {@code <prefix>_live}, which {@link #publish} moves in one
 * server-side step; the alias {@code <prefix>_previous} marks the build live before, which
 * {@link #rollback} makes live again. Only the live build stays loaded in the query nodes'
 * memory: the others are released, and a rollback loads the previous one before it switches.
 * Holds one client connection, shared by every index it opens and closed by {@link #close}.
 */
public final class MilvusEntityIndexStore implements EntityIndexStore {
  private static final Pattern BUILD = Pattern.compile(BUILD_ID);
  /** The build ids whose collection names would be the aliases'. */
  private static final Set<String> RESERVED_BUILD_IDS = Set.of("live", "previous");

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
    BuildStamp stamp = new BuildStamp(modelVersion, schema);
    EntityFields.checkFits(schema);
    if (collections.exists(collection)) {
      BuildStamp found = collections.stamp(collection);
      if (!found.sameModelAs(stamp)) {
        throw new IllegalStateException("build '" + buildId + "' (collection " + collection
            + ") was created for " + found + ", not for " + stamp + "; resume it with the "
            + "same model, or drop it (dropBuild) and build again");
      }
      // Written again, a build is unfinished until published again; the live one is being
      // refreshed in place and stays what it is.
      if (!liveCollection().map(collection::equals).orElse(false)) {
        collections.mark(collection, BuildProgress.writing(Instant.now()));
      }
      stamp = found;
    } else {
      collections.create(collection, stamp);
    }
    collections.prepareForReads(collection);
    return new MilvusEntityIndex(client, calls, collections, collection, stamp,
        ConsistencyLevel.STRONG, config);
  }

  @Override
  public void publish(String buildId, PublishPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    String collection = collectionOf(buildId);
    if (!collections.exists(collection)) {
      throw new IllegalStateException("cannot publish build '" + buildId + "': there is no "
          + "collection " + collection + " on " + config.uri() + "; create and fill it with "
          + "openBuild first");
    }
    collections.stamp(collection);
    Optional<String> live = liveCollection();
    if (live.map(collection::equals).orElse(false)) {
      return;
    }
    collections.prepareForReads(collection);
    collections.flush(collection);
    collections.awaitIndexedServing(collection);
    BuildProgress progress = collections.progress(collection);
    long entities = complete(collection, progress);
    Optional<String> replaced = live.filter(collections::exists);
    try {
      policy.check(new BuildCount(buildId, entities), replaced.map(c -> {
        collections.prepareForReads(c);
        return new BuildCount(buildIdOf(c), collections.count(c));
      }));
    } catch (PublishRefusedException e) {
      collections.release(collection);
      throw e;
    }
    if (progress.publishedAt().isEmpty()) {
      collections.mark(collection, BuildProgress.published(Instant.now()));
    }
    Optional<String> retired = aliasTarget(config.previousAlias());
    if (replaced.isPresent()) {
      collections.pointAlias(config.previousAlias(), replaced.get(), retired.isPresent());
    }
    collections.pointAlias(config.liveAlias(), collection, live.isPresent());
    replaced.ifPresent(collections::release);
    retired.filter(c -> !c.equals(collection) && collections.exists(c))
        .ifPresent(collections::release);
  }

  @Override
  public String rollback() {
    String live = liveCollection().orElseThrow(() -> new IllegalStateException("no index is "
        + "published on Milvus at " + config.uri() + " (there is no alias " + config.liveAlias()
        + "), so there is nothing to roll back"));
    String previous = previousCollection().orElseThrow(() -> new IllegalStateException("there "
        + "is no previous build to roll back to on Milvus at " + config.uri() + " (no alias "
        + config.previousAlias() + "): build '" + buildIdOf(live) + "' is live and no build "
        + "was live before it (or it was dropped). Publish another build with `mmel index "
        + "build` instead"));
    if (!collections.exists(previous)) {
      throw new IllegalStateException("the previous build's collection " + previous + " is gone "
          + "from " + config.uri() + "; publish another build with `mmel index build` instead");
    }
    collections.stamp(previous);
    collections.prepareForReads(previous);
    collections.awaitIndexedServing(previous);
    collections.pointAlias(config.liveAlias(), previous, true);
    collections.pointAlias(config.previousAlias(), live, true);
    collections.release(live);
    return buildIdOf(previous);
  }

  @Override
  public void dropBuild(String buildId) {
    String collection = collectionOf(buildId);
    if (liveCollection().map(collection::equals).orElse(false)) {
      throw new IllegalStateException("build '" + buildId + "' is live (alias "
          + config.liveAlias() + " points at " + collection + "); publish another build first");
    }
    if (aliasTarget(config.previousAlias()).map(collection::equals).orElse(false)) {
      collections.dropAlias(config.previousAlias());
    }
    collections.drop(collection);
  }

  @Override
  public Optional<String> liveBuildId() {
    return liveCollection().map(this::buildIdOf);
  }

  @Override
  public Optional<String> previousBuildId() {
    return previousCollection().map(this::buildIdOf);
  }

  @Override
  public List<BuildInfo> builds() {
    Optional<String> live = liveCollection();
    Optional<String> previous = previousCollection();
    String builds = config.collectionPrefix() + "_";
    List<BuildInfo> found = new ArrayList<>();
    for (String collection : collections.list()) {
      String buildId = collection.startsWith(builds) ? buildIdOf(collection) : "";
      if (BUILD.matcher(buildId).matches() && !RESERVED_BUILD_IDS.contains(buildId)) {
        info(collection, live, previous).ifPresent(found::add);
      }
    }
    found.sort(Comparator.comparing((BuildInfo b) -> b.created().orElse(Instant.EPOCH))
        .thenComparing(BuildInfo::buildId));
    return found;
  }

  /**
   * A build's last write is when a writer last recorded one (at most a minute late), or its
   * creation. Collections that any alias points at, this store's or another's, are spared.
   */
  @Override
  public List<BuildInfo> gc(Duration minAge) {
    Instant cutoff = Instant.now().minus(EntityIndexStore.checkMinAge(minAge));
    List<BuildInfo> removed = new ArrayList<>();
    for (BuildInfo build : builds()) {
      String collection = collectionOf(build.buildId());
      if (build.state().collectable() && build.untouchedSince(cutoff)
          && collections.aliasesOf(collection).isEmpty()) {
        collections.drop(collection);
        removed.add(build);
      }
    }
    return removed;
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

  /**
   * Counts the build's rows and marks it complete with that count, unless it already is: a
   * build refreshed while it was live holds another count than when it was completed.
   */
  private long complete(String collection, BuildProgress progress) {
    long entities = collections.count(collection);
    if (!progress.complete() || progress.entities().orElse(-1) != entities) {
      collections.mark(collection, BuildProgress.completed(entities, Instant.now()));
    }
    return entities;
  }

  /** Empty for a collection of this prefix's names that another store or program made. */
  private Optional<BuildInfo> info(String collection, Optional<String> live,
      Optional<String> previous) {
    DescribeCollectionResp described = collections.describe(collection);
    Optional<BuildStamp> stamp = BuildStamp.parse(described.getDescription());
    BuildProgress progress = BuildProgress.of(described.getProperties());
    if (stamp.isEmpty() || !progress.prefix().orElse(config.collectionPrefix())
        .equals(config.collectionPrefix())) {
      return Optional.empty();
    }
    BuildState state = BuildState.of(live.map(collection::equals).orElse(false),
        previous.map(collection::equals).orElse(false), progress.complete(),
        progress.publishedAt().isPresent());
    OptionalLong entities = collections.loaded(collection)
        ? OptionalLong.of(collections.count(collection)) : progress.entities();
    Optional<Instant> created = Optional.ofNullable(described.getCreateUtcTime())
        .filter(millis -> millis > 0).map(Instant::ofEpochMilli);
    return Optional.of(new BuildInfo(buildIdOf(collection), state, entities,
        Optional.of(stamp.get().modelVersion()), created, progress.writtenAt().or(() -> created),
        OptionalLong.empty()));
  }

  /** The alias's collection; refuses an alias someone pointed outside this store's builds. */
  private Optional<String> liveCollection() {
    return aliasTarget(config.liveAlias());
  }

  /** Empty also while the alias names the live build, as an interrupted rollback leaves it. */
  private Optional<String> previousCollection() {
    Optional<String> previous = aliasTarget(config.previousAlias());
    return previous.equals(liveCollection()) ? Optional.empty() : previous;
  }

  private Optional<String> aliasTarget(String alias) {
    Optional<String> collection = collections.aliasTarget(alias);
    String builds = config.collectionPrefix() + "_";
    if (collection.isPresent() && !collection.get().startsWith(builds)) {
      throw new IllegalStateException("alias " + alias + " points at collection "
          + collection.get() + ", which is not a build of prefix '" + config.collectionPrefix()
          + "'; point it back with `mmel index build` or drop the alias");
    }
    return collection;
  }

  private String buildIdOf(String collection) {
    return collection.substring(config.collectionPrefix().length() + 1);
  }

  private String collectionOf(String buildId) {
    if (buildId == null || !BUILD.matcher(buildId).matches()) {
      throw new IllegalArgumentException("build id must match " + BUILD_ID
          + " (lower-case letters, digits and _, at most 40), got '" + buildId + "'");
    }
    if (RESERVED_BUILD_IDS.contains(buildId)) {
      throw new IllegalArgumentException("build id '" + buildId + "' is reserved: "
          + config.collectionPrefix() + "_" + buildId + " is the alias of the " + buildId
          + " index");
    }
    return config.collectionPrefix() + "_" + buildId;
  }
}
