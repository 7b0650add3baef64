package dev.mmel.serving;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityEncodings;
import dev.mmel.core.EntityInput;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.ImageInput;
import dev.mmel.core.PreparedInput;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.data.WikiMel;
import dev.mmel.model.dme.DescriptionSelector;
import dev.mmel.model.dme.SurfaceMatch;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.proto.v1.EntityLinkerGrpc;
import dev.mmel.retriever.CacheConfig;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.PublishPolicy;
import dev.mmel.retriever.embedded.EmbeddedEntityIndexStore;
import dev.mmel.serving.batch.BatchObserver;
import dev.mmel.serving.batch.BatcherSettings;
import dev.mmel.serving.dme.DmeSetup;
import dev.mmel.serving.grpc.LinkingServer;
import dev.mmel.serving.grpc.ServerSettings;
import dev.mmel.serving.grpc.ServingMetrics;
import dev.mmel.serving.link.BatchedMentionEncoder;
import dev.mmel.serving.state.BindingLoader;
import dev.mmel.serving.state.ModelRepository;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A real server on 127.0.0.1 for the serving tests: a tiny model with random weights (real
 * parameter names, real tokenizer), an embedded index of the first WikiMEL entities (names and
 * abstracts) built by that model and published, and a plaintext channel to it.
 */
public final class ServingFixture implements AutoCloseable {
  private final Path modelDir;
  private final EmbeddedEntityIndexStore store;
  private final LinkingServer server;
  private final ManagedChannel channel;
  private final ServingMetrics metrics;
  private final List<EntityRecord> entities;

  private ServingFixture(Path modelDir, EmbeddedEntityIndexStore store, LinkingServer server,
      ManagedChannel channel, ServingMetrics metrics, List<EntityRecord> entities) {
    this.modelDir = modelDir;
    this.store = store;
    this.server = server;
    this.channel = channel;
    this.metrics = metrics;
    this.entities = entities;
  }

  /** Creates the tiny model in {@code dir/model} (unless there) and its index in dir/index. */
  public static Path model(Path dir, long seed) throws IOException {
    Path modelDir = dir.resolve("model-" + seed);
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), seed,
        SharedData.file(SharedData.CLIP_VOCAB), modelDir);
    return modelDir;
  }

  /** The first {@code n} WikiMEL entities by QID, with their names and abstracts. */
  public static List<EntityRecord> wikiMelEntities(int n) throws IOException {
    WikiMel wikimel = WikiMel.load(SharedData.file("wikimel"));
    List<EntityRecord> records = new ArrayList<>();
    for (String qid : wikimel.names().keySet().stream().sorted().limit(n).toList()) {
      records.add(new EntityRecord(qid, wikimel.name(qid), List.of(), wikimel.abstractOf(qid),
          ""));
    }
    return records;
  }

  /**
   * Encodes {@code entities} with the model into build {@code buildId} and publishes it, forced:
   * the tests' builds shrink on purpose.
   */
  public static void publish(EntityIndexStore store, Path modelDir, String buildId,
      List<EntityRecord> entities) throws Exception {
    try (MmoeModel model = MmoeModel.load(modelDir, SessionSettings.defaults());
        EntityIndex build = store.openBuild(buildId, model.version(), model.schema())) {
      List<PreparedInput> prepared = new ArrayList<>();
      for (EntityRecord e : entities) {
        prepared.add(model.prepareEntity(new EntityInput(e.name(), e.description(),
            ImageInput.none())));
      }
      EntityEncodings encoded = model.encodeEntities(prepared);
      List<EncodedEntity> rows = new ArrayList<>();
      for (int i = 0; i < entities.size(); i++) {
        rows.add(EncodedEntity.of(entities.get(i), encoded, i));
      }
      build.upsert(rows);
      build.flush();
    }
    store.publish(buildId, PublishPolicy.forced());
  }

  public static ServingFixture start(Path dir, int entityCount, ServerSettings settings,
      Optional<DescriptionSelector> selector) throws Exception {
    return start(dir, entityCount, settings, selector, Duration.ofMillis(2));
  }

  /** @param batchWait how long the first mention of a model call waits for others */
  public static ServingFixture start(Path dir, int entityCount, ServerSettings settings,
      Optional<DescriptionSelector> selector, Duration batchWait) throws Exception {
    return start(dir, wikiMelEntities(entityCount), settings, selector, batchWait,
        UnaryOperator.identity());
  }

  /**
   * @param entities the knowledge base
   * @param storeView what the server sees of the store (e.g. one that can be made to fail)
   */
  public static ServingFixture start(Path dir, List<EntityRecord> entities,
      ServerSettings settings, Optional<DescriptionSelector> selector, Duration batchWait,
      UnaryOperator<EntityIndexStore> storeView) throws Exception {
    Path modelDir = model(dir, 7);
    EmbeddedEntityIndexStore store = new EmbeddedEntityIndexStore(dir.resolve("index"));
    publish(store, modelDir, "b1", entities);
    ServingMetrics metrics = new ServingMetrics();
    BindingLoader loader = new BindingLoader(new ModelRepository(dir), new SessionSettings(2,
        0, "cpu"), CacheConfig.defaults(), model -> new BatchedMentionEncoder(model,
        BatcherSettings.builder("test").maxBatchSize(16).maxWait(batchWait)
            .queueCapacity(256).build(), BatchObserver.NONE),
        selector.map(s -> new DmeSetup(s, SurfaceMatch.PARTIAL)),
        OptionalDouble.empty(), "embedded");
    LinkingServer server = LinkingServer.start(settings, storeView.apply(store), loader,
        metrics,
        Duration.ofMillis(200), "test selector");
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
        .usePlaintext().build();
    return new ServingFixture(modelDir, store, server, channel, metrics, entities);
  }

  /** A port free on 127.0.0.1 now, for a listener whose port 0 means "off". */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  public static ServerSettings.Builder settings() {
    return ServerSettings.builder().port(0).metricsPort(0)
        .shutdownGrace(Duration.ofSeconds(5));
  }

  public EntityLinkerGrpc.EntityLinkerBlockingStub stub() {
    return EntityLinkerGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  public ManagedChannel channel() {
    return channel;
  }

  public LinkingServer server() {
    return server;
  }

  public EmbeddedEntityIndexStore store() {
    return store;
  }

  public Path modelDir() {
    return modelDir;
  }

  public ServingMetrics metrics() {
    return metrics;
  }

  public List<EntityRecord> entities() {
    return entities;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    store.close();
  }
}
