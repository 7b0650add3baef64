package dev.mmel.serving.grpc;

import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.proto.v1.EntityLinkerGrpc;
import dev.mmel.proto.v1.GetInfoResponse;
import dev.mmel.proto.v1.Limits;
import dev.mmel.proto.v1.LinkEntitiesRequest;
import dev.mmel.proto.v1.LinkEntityRequest;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.serving.http.HttpGateway;
import dev.mmel.serving.http.HttpSettings;
import dev.mmel.serving.link.Binding;
import dev.mmel.serving.link.Linker;
import dev.mmel.serving.state.BindingLoader;
import dev.mmel.serving.state.BindingWatcher;
import dev.mmel.serving.state.BoundedIndexStore;
import dev.mmel.serving.state.LiveBinding;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving process' network side: mmel.v1.EntityLinker, grpc.health.v1 (SERVING only while
 * a model and the index it wrote are loaded and the index answers), server reflection (so
 * grpcurl can list and call the service), Prometheus metrics over HTTP, optional TLS and bearer
 * token, and optionally the HTTP/JSON API and web console ({@link HttpGateway}), which reaches
 * the same service, interceptors included, through an in-process server. The served binding
 * follows what the store publishes, without a restart.
 */
public final class LinkingServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LinkingServer.class);
  private static final String SERVICE = EntityLinkerGrpc.SERVICE_NAME;

  private final ServerSettings settings;
  private final Server server;
  private final ExecutorService handlers;
  private final LiveBinding live;
  private final BindingWatcher watcher;
  private final HealthStatusManager health;
  private final MetricsHttp metricsHttp;
  private final HttpFront http;
  private final BoundedIndexStore indexes;

  /** The HTTP API and the in-process server and channel it calls through. */
  private record HttpFront(Server local, ManagedChannel channel, HttpGateway gateway) {}

  private LinkingServer(ServerSettings settings, Server server, ExecutorService handlers,
      LiveBinding live, BindingWatcher watcher, HealthStatusManager health,
      MetricsHttp metricsHttp, HttpFront http, BoundedIndexStore indexes) {
    this.settings = settings;
    this.server = server;
    this.handlers = handlers;
    this.live = live;
    this.watcher = watcher;
    this.health = health;
    this.metricsHttp = metricsHttp;
    this.http = http;
    this.indexes = indexes;
  }

  /**
   * Loads the live build and its model (failing with the reason when they cannot be served),
   * starts watching the store every {@code watchInterval}, and starts listening. Every read of
   * the store (by a request or the watcher) answers within the settings' index timeout or fails
   * UNAVAILABLE, and a store that does not answer the watcher makes the server NOT_SERVING until
   * it does: callers learn of an outage at once, and the server serves again without a restart.
   * The store stays the caller's to close.
   *
   * @param selector how DME chooses, for GetInfo
   */
  public static LinkingServer start(ServerSettings settings, EntityIndexStore store,
      BindingLoader loader, ServingMetrics metrics, Duration watchInterval, String selector)
      throws IOException {
    LiveBinding live = new LiveBinding();
    // The handlers' reads, the watcher's probe, and some abandoned after their timeout.
    BoundedIndexStore indexes = new BoundedIndexStore(store, settings.indexTimeout(),
        settings.handlerThreads() + 16);
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", ServingStatus.NOT_SERVING);
    health.setStatus(SERVICE, ServingStatus.NOT_SERVING);
    BindingWatcher watcher = new BindingWatcher(indexes, loader, live, (serving, reason) -> {
      ServingStatus status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
      health.setStatus("", status);
      health.setStatus(SERVICE, status);
      LOG.info("health {}: {}", status, reason);
    });
    watcher.start(watchInterval);
    if (live.peek() == null) {
      watcher.close();
      indexes.close();
      throw new IllegalStateException("cannot serve: " + live.notServingReason());
    }
    MentionRequests requests = new MentionRequests(settings.limits());
    EntityLinkerService service = new EntityLinkerService(new Linker(live), requests,
        () -> info(live, settings.limits(), selector), settings.defaultDeadline(), metrics);
    ServerServiceDefinition linker = ServerInterceptors.intercept(withUtf8Checks(
        service.bindService()), settings.bearerToken().map(BearerTokenInterceptor::new)
        .map(List::<io.grpc.ServerInterceptor>of).orElse(List.of()));
    AtomicInteger threads = new AtomicInteger();
    ExecutorService handlers = Executors.newFixedThreadPool(settings.handlerThreads(), r -> {
      Thread thread = new Thread(r, "grpc-handler-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    ServerServiceDefinition logged = ServerInterceptors.intercept(linker,
        new CallLogInterceptor(metrics));
    NettyServerBuilder builder = NettyServerBuilder
        .forAddress(new InetSocketAddress(settings.host(), settings.port()))
        .executor(handlers)
        .maxInboundMessageSize(settings.limits().maxMessageBytes())
        .addService(logged)
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(ProtoReflectionService.newInstance());
    if (settings.tlsCertificate().isPresent()) {
      builder.useTransportSecurity(settings.tlsCertificate().get().toFile(),
          settings.tlsKey().get().toFile());
    }
    Server server = null;
    MetricsHttp metricsHttp = null;
    HttpFront http = null;
    try {
      server = builder.build().start();
      if (settings.metricsPort() > 0) {
        metricsHttp = new MetricsHttp(metrics, settings.host(), settings.metricsPort());
      }
      if (settings.httpPort() > 0) {
        http = http(settings, logged, health, handlers, metrics);
      }
    } catch (IOException | RuntimeException e) {
      if (server != null) {
        server.shutdownNow();
      }
      if (metricsHttp != null) {
        metricsHttp.close();
      }
      handlers.shutdownNow();
      watcher.close();
      live.close();
      indexes.close();
      throw e;
    }
    LOG.info("serving mmel.v1.EntityLinker on {}:{}{}{}{}", settings.host(), server.getPort(),
        settings.tlsCertificate().isPresent() ? " (TLS)" : "",
        metricsHttp == null ? "" : ", metrics on :" + metricsHttp.port(),
        http == null ? "" : ", HTTP/JSON and console on :" + http.gateway().port());
    return new LinkingServer(settings, server, handlers, live, watcher, health, metricsHttp,
        http, indexes);
  }

  /**
   * The HTTP API over an in-process server holding the very service definitions the network
   * server holds (bearer token, call log, health), run by the same handler threads.
   */
  private static HttpFront http(ServerSettings settings, ServerServiceDefinition linker,
      HealthStatusManager health, ExecutorService handlers, ServingMetrics metrics)
      throws IOException {
    String name = "mmel-http-" + UUID.randomUUID();
    Server local = InProcessServerBuilder.forName(name)
        .executor(handlers)
        .maxInboundMessageSize(settings.limits().maxMessageBytes())
        .addService(linker)
        .addService(health.getHealthService())
        .build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor()
        .maxInboundMessageSize(Integer.MAX_VALUE).build();
    try {
      HttpGateway gateway = HttpGateway.start(new HttpSettings(settings.host(),
          settings.httpPort(), settings.limits().maxMessageBytes(),
          settings.handlerThreads() + 8, settings.shutdownGrace()), channel,
          metrics.registry());
      return new HttpFront(local, channel, gateway);
    } catch (IOException | RuntimeException e) {
      channel.shutdownNow();
      local.shutdownNow();
      throw e;
    }
  }

  public int port() {
    return server.getPort();
  }

  /** The metrics HTTP port, or -1 when metrics are off. */
  public int metricsPort() {
    return metricsHttp == null ? -1 : metricsHttp.port();
  }

  /** The HTTP/JSON API's port, or -1 when it is off. */
  public int httpPort() {
    return http == null ? -1 : http.gateway().port();
  }

  public LiveBinding live() {
    return live;
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /**
   * Graceful: health goes NOT_SERVING, new calls are refused, calls and HTTP requests in flight
   * get up to the shutdown grace to finish, then the model and index close.
   */
  @Override
  public void close() {
    health.enterTerminalState();
    server.shutdown();
    if (http != null) {
      http.local().shutdown();
      http.gateway().close();
      http.channel().shutdownNow();
      http.local().shutdownNow();
    }
    try {
      if (!server.awaitTermination(settings.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("calls still running after {}; cancelling them", settings.shutdownGrace());
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      handlers.shutdownNow();
      watcher.close();
      if (metricsHttp != null) {
        metricsHttp.close();
      }
      live.close();
      indexes.close();
    }
  }

  private static GetInfoResponse info(LiveBinding live, ServingLimits limits, String selector) {
    GetInfoResponse.Builder info = GetInfoResponse.newBuilder()
        .setLimits(Limits.newBuilder()
            .setMaxSurfaceBytes(limits.maxSurfaceBytes())
            .setMaxSentenceBytes(limits.maxSentenceBytes())
            .setMaxDescriptionBytes(limits.maxDescriptionBytes())
            .setMaxImageBytes(limits.maxImageBytes())
            .setMaxImagePixels(limits.maxImagePixels())
            .setMaxTopK(limits.maxTopK())
            .setMaxCandidatesK(limits.maxCandidatesK())
            .setMaxFilterQids(limits.maxFilterQids())
            .setMaxMentionsPerCall(limits.maxMentionsPerCall())
            .setDefaultTopK(limits.defaultTopK())
            .setDefaultCandidatesK(limits.defaultCandidatesK()))
        .setDescriptionSelector(selector);
    Binding binding = live.peek();
    if (binding != null) {
      info.setModelVersion(binding.model().version())
          .setIndexBuildId(binding.buildId())
          .setStore(binding.store())
          .setNilThreshold(binding.nilThreshold().value())
          .setNilThresholdSource(binding.nilThreshold().source());
      try {
        info.setIndexSize(binding.index().count());
      } catch (RuntimeException e) {
        LOG.warn("could not count the index: {}", e.getMessage());
      }
      if (binding.model() instanceof MmoeModel mmoe) {
        info.setGateMode(mmoe.config().matcher().gateMode().id());
      }
    }
    return info.build();
  }

  /** The service with request parsing that names a field which is not UTF-8. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static ServerServiceDefinition withUtf8Checks(ServerServiceDefinition bound) {
    ServiceDescriptor original = bound.getServiceDescriptor();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
        .setSchemaDescriptor(original.getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> method : bound.getMethods()) {
      MethodDescriptor md = method.getMethodDescriptor();
      String name = md.getBareMethodName();
      if ("LinkEntity".equals(name)) {
        md = md.toBuilder().setRequestMarshaller(new Utf8CheckingMarshaller<>(
            md.getRequestMarshaller(), LinkEntityRequest.parser(),
            LinkEntityRequest.getDefaultInstance(), "mention",
            LinkEntityRequest.MENTION_FIELD_NUMBER)).build();
      } else if ("LinkEntities".equals(name)) {
        md = md.toBuilder().setRequestMarshaller(new Utf8CheckingMarshaller<>(
            md.getRequestMarshaller(), LinkEntitiesRequest.parser(),
            LinkEntitiesRequest.getDefaultInstance(), "mentions",
            LinkEntitiesRequest.MENTIONS_FIELD_NUMBER)).build();
      }
      descriptor.addMethod(md);
      methods.add(ServerMethodDefinition.create(md, (io.grpc.ServerCallHandler) method
          .getServerCallHandler()));
    }
    ServerServiceDefinition.Builder rebuilt = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(m -> rebuilt.addMethod((ServerMethodDefinition) m));
    return rebuilt.build();
  }
}
