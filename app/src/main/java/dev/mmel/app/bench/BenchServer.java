package dev.mmel.app.bench;

import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.retriever.CacheConfig;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.serving.batch.BatchObserver;
import dev.mmel.serving.batch.BatcherSettings;
import dev.mmel.serving.grpc.LinkingServer;
import dev.mmel.serving.grpc.ServerSettings;
import dev.mmel.serving.grpc.ServingMetrics;
import dev.mmel.serving.link.BatchedMentionEncoder;
import dev.mmel.serving.state.BindingLoader;
import dev.mmel.serving.state.ModelRepository;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A {@link LinkingServer} in this JVM as `mmel serve` runs one (batched mention encoding, the
 * index cache, health, reflection), on an address of {@code settings}, with DME off: the live
 * build of {@code store} and the model that wrote it.
 */
final class BenchServer {
  /** The bench's index does not change while it runs: the store is seldom asked. */
  private static final Duration WATCH_INTERVAL = Duration.ofMinutes(1);

  private BenchServer() {}

  static LinkingServer start(Path model, EntityIndexStore store, String storeKind,
      ServerSettings settings, BatcherSettings batching, SessionSettings session,
      CacheConfig cache) throws IOException {
    BindingLoader loader = new BindingLoader(new ModelRepository(model), session, cache,
        linkingModel -> new BatchedMentionEncoder(linkingModel, batching, BatchObserver.NONE),
        Optional.empty(), OptionalDouble.empty(), storeKind);
    return LinkingServer.start(settings, store, loader, new ServingMetrics(), WATCH_INTERVAL,
        "off");
  }
}
