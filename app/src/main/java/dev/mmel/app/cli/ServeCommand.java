package dev.mmel.app.cli;

import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.mmel.core.LinkingModel;
import dev.mmel.retriever.CachingEntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.serving.batch.BatcherSettings;
import dev.mmel.serving.grpc.LinkingServer;
import dev.mmel.serving.grpc.ServerSettings;
import dev.mmel.serving.grpc.ServingLimits;
import dev.mmel.serving.grpc.ServingMetrics;
import dev.mmel.serving.link.BatchedMentionEncoder;
import dev.mmel.serving.link.Binding;
import dev.mmel.serving.link.MentionEncoder;
import dev.mmel.serving.state.BindingLoader;
import dev.mmel.serving.state.ModelRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serves mmel.v1.EntityLinker over gRPC: DME, batched mention encoding, ANN "
        + "retrieval from the live index, MMoE rerank, NIL; grpc.health.v1, server reflection "
        + "(grpcurl), Prometheus metrics over HTTP, and the same API as HTTP/JSON with a web "
        + "console (--http-port).",
        "Serves the live build of the embedded index (or --milvus) with the model that wrote it, "
        + "and follows what `mmel index build` publishes without a restart. Runs until Ctrl-C, "
        + "which drains the calls in flight."})
public final class ServeCommand extends MmelCommand {
  private static final int DEFAULT_HTTP_PORT = 8080;

  @Option(names = "--model", paramLabel = "PATH",
      description = "The model directory that wrote the index, or a folder of model "
          + "directories (the one whose version the live build records is served, so a build "
          + "by a new model is picked up once its directory is there). Default: "
          + ".cache/demo-model.")
  Path model;

  @Mixin
  TargetOptions store;

  @Mixin
  ThreadsOption threads;

  @Mixin
  ServingTuning tuning;

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Address to listen on (default ${DEFAULT-VALUE}; 0.0.0.0 for all).")
  String host;

  @Option(names = "--port", defaultValue = "50051",
      description = "gRPC port (default ${DEFAULT-VALUE}; 0 = any free port, printed).")
  int port;

  @Option(names = "--metrics-port", defaultValue = "9464",
      description = "Prometheus metrics port, GET /metrics (default ${DEFAULT-VALUE}; 0 = off).")
  int metricsPort;

  @Option(names = "--http-port", paramLabel = "PORT",
      description = "HTTP/JSON API (POST /v1/link, /v1/link:batch, GET /v1/info, /healthz, "
          + "/readyz, /metrics, /openapi.json) and the web console at /console/ (default 8080 "
          + "without TLS; off with --tls-cert, as it serves plain HTTP; 0 = off).")
  Integer httpPort;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "TLS certificate chain (PEM); with --tls-key, serve TLS only.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "TLS private key (PEM).")
  Path tlsKey;

  @Option(names = "--token-env", paramLabel = "VAR",
      description = "Require 'authorization: Bearer TOKEN' on linking calls (gRPC, and HTTP "
          + "/v1/*), TOKEN read from this environment variable (never from the command line, "
          + "never logged).")
  String tokenEnv;

  @Option(names = "--deadline", defaultValue = "10s",
      description = "Deadline of calls that set none (default ${DEFAULT-VALUE}).")
  Duration deadline;

  @Option(names = "--default-top-k", defaultValue = "5",
      description = "Entities answered when a call asks 0 (default ${DEFAULT-VALUE}).")
  int defaultTopK;

  @Option(names = "--default-candidates-k", defaultValue = "50",
      description = {"Candidates retrieved and reranked when a call asks 0 (default "
          + "${DEFAULT-VALUE}: the smallest K whose WikiMEL test H@1 and MRR stay within 0.1 of "
          + "the exhaustive ranking for the trained bge-small model with DME; 10 keeps H@1 "
          + "within 0.1 but loses 0.3 MRR).", "The full score reranks exactly; what a small K "
          + "loses are gold entities whose retrieval part F alone ranks them beyond K and that "
          + "DME did not describe."})
  int defaultCandidatesK;

  @Option(names = "--max-top-k", defaultValue = "100",
      description = "Most entities a call may ask (default ${DEFAULT-VALUE}).")
  int maxTopK;

  @Option(names = "--max-candidates-k", defaultValue = "1000",
      description = "Most candidates a call may ask (default ${DEFAULT-VALUE}).")
  int maxCandidatesK;

  @Option(names = "--max-image-bytes", defaultValue = "10485760",
      description = "Largest image a mention may carry (default ${DEFAULT-VALUE}).")
  int maxImageBytes;

  @Option(names = "--max-mentions-per-call", defaultValue = "256",
      description = "Most mentions in one LinkEntities call (default ${DEFAULT-VALUE}).")
  int maxMentionsPerCall;

  @Option(names = "--max-message-bytes", defaultValue = "33554432",
      description = "Largest request message (default ${DEFAULT-VALUE}).")
  int maxMessageBytes;

  @Option(names = "--watch-interval", defaultValue = "5s",
      description = "How often the store is asked for a new live build and probed (default "
          + "${DEFAULT-VALUE}).")
  Duration watchInterval;

  @Option(names = "--shutdown-grace", defaultValue = "30s",
      description = "How long Ctrl-C waits for calls in flight (default ${DEFAULT-VALUE}).")
  Duration shutdownGrace;

  @Option(names = "--nil-threshold", paramLabel = "S",
      description = "NIL below this score (default: the model's calibrated nil-threshold.json, "
          + "else never NIL).")
  Double nilThreshold;

  @Mixin
  DmeOptions dme;

  @Override
  public Integer call() throws Exception {
    ConsoleProgress progress = progress("serve");
    Path models = model != null ? model.toAbsolutePath() : Defaults.demoModel(progress);
    ServerSettings settings = ServerSettings.builder()
        .host(host).port(port).metricsPort(metricsPort)
        .httpPort(httpPort != null ? httpPort : tlsCert != null ? 0 : DEFAULT_HTTP_PORT)
        .tls(tlsCert, tlsKey)
        .bearerToken(token().orElse(null))
        .limits(ServingLimits.builder()
            .defaultTopK(defaultTopK).defaultCandidatesK(defaultCandidatesK)
            .maxTopK(maxTopK).maxCandidatesK(maxCandidatesK)
            .maxImageBytes(maxImageBytes).maxMentionsPerCall(maxMentionsPerCall)
            .maxMessageBytes(maxMessageBytes).build())
        .defaultDeadline(deadline).indexTimeout(tuning.indexTimeout())
        .handlerThreads(tuning.handlerThreads())
        .shutdownGrace(shutdownGrace)
        .build();
    BatcherSettings batching = tuning.batching();
    ServingMetrics metrics = new ServingMetrics();
    Function<LinkingModel, MentionEncoder> encoders = linkingModel ->
        new BatchedMentionEncoder(linkingModel, batching,
            (size, elapsed, succeeded) -> metrics.batch(size));
    try (DmeOptions.Selector selector = dme.open(threads.count());
        EntityIndexStore indexes = store.target(Defaults.home()).open()) {
      BindingLoader loader = new BindingLoader(new ModelRepository(models),
          tuning.session(threads.count()), tuning.cache(), encoders,
          selector.setup(), nilThreshold == null ? OptionalDouble.empty()
              : OptionalDouble.of(nilThreshold), store.kind());
      progress.step("loading the live build of " + store.describe(Defaults.home())
          + " and its model from " + models);
      LinkingServer server = LinkingServer.start(settings, indexes, loader, metrics,
          watchInterval, selector.describe());
      metrics.gauge("mmel_encode_queue_depth", "Mentions waiting for the model", () -> {
        Binding binding = server.live().peek();
        return binding != null && binding.encoder() instanceof BatchedMentionEncoder batched
            ? batched.queueDepth() : 0;
      });
      metrics.cache("index_entities", () -> indexStats(server).entities());
      metrics.cache("index_names", () -> indexStats(server).names());
      selector.llmStats().ifPresent(stats -> metrics.cache("dme_llm", stats));
      CountDownLatch stopped = new CountDownLatch(1);
      Thread shutdown = new Thread(() -> {
        server.close();
        stopped.countDown();
      }, "mmel-serve-shutdown");
      Runtime.getRuntime().addShutdownHook(shutdown);
      Binding binding = server.live().peek();
      progress.step("model " + binding.model().version() + ", build " + binding.buildId()
          + ", NIL threshold " + binding.nilThreshold().value() + " ("
          + binding.nilThreshold().source() + "), DME " + selector.describe()
          + (server.metricsPort() > 0 ? ", metrics http://" + host + ":" + server.metricsPort()
              + "/metrics" : "")
          + (server.httpPort() > 0 ? ", console http://" + host + ":" + server.httpPort()
              + "/console/" : "") + "; Ctrl-C stops");
      out().println("listening on " + host + ":" + server.port()
          + (server.httpPort() > 0 ? ", HTTP on " + host + ":" + server.httpPort() : ""));
      out().flush();
      server.awaitTermination();
      stopped.await();
    }
    return 0;
  }

  private Optional<String> token() {
    if (tokenEnv == null) {
      return Optional.empty();
    }
    String token = System.getenv(tokenEnv);
    if (token == null || token.isBlank()) {
      throw invalid("--token-env " + tokenEnv + ": that environment variable is not set or "
          + "empty; export the token in it");
    }
    return Optional.of(token);
  }

  private static CachingEntityIndex.Stats indexStats(LinkingServer server) {
    Binding binding = server.live().peek();
    if (binding != null && binding.index() instanceof CachingEntityIndex caching) {
      return caching.stats();
    }
    CacheStats none = CacheStats.empty();
    return new CachingEntityIndex.Stats(none, none, none);
  }
}
