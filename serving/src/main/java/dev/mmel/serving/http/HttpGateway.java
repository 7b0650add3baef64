package dev.mmel.serving.http;

import io.grpc.Channel;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/JSON API and web console of a linking server, on Jetty. It links nothing itself:
 * /v1/* calls the server's gRPC services in process through {@code local}, so answers, errors,
 * limits, the bearer token and metrics are the gRPC path's. Closing drains requests in flight.
 */
public final class HttpGateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpGateway.class);

  private final Server server;
  private final ServerConnector connector;

  private HttpGateway(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  /**
   * @param local a channel to the server's EntityLinker (behind its interceptors) and
   *     grpc.health.v1
   * @param registry the server's metrics, served at /metrics and added to
   */
  public static HttpGateway start(HttpSettings settings, Channel local,
      PrometheusRegistry registry) throws IOException {
    QueuedThreadPool threads = new QueuedThreadPool(settings.threads(),
        Math.min(4, settings.threads()));
    threads.setName("http");
    threads.setDaemon(true);
    Server server = new Server(threads);
    HttpConfiguration config = new HttpConfiguration();
    config.setSendServerVersion(false);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(config));
    connector.setHost(settings.host());
    connector.setPort(settings.port());
    server.addConnector(connector);
    ProtoJson json = new ProtoJson(settings.maxBodyBytes());
    server.setHandler(new GracefulHandler(new Router(new LocalCalls(local),
        new RequestBodies(settings.maxBodyBytes(), json), json, registry)));
    server.setErrorHandler(new JsonErrorHandler());
    server.setStopTimeout(settings.shutdownGrace().toMillis());
    try {
      server.start();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new IOException("the HTTP API could not listen on " + settings.host() + ":"
          + settings.port() + ": " + e.getMessage(), e);
    }
    return new HttpGateway(server, connector);
  }

  public int port() {
    return connector.getLocalPort();
  }

  /** Stops taking requests and waits up to the shutdown grace for those in flight. */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("the HTTP API did not stop cleanly: {}", e.toString());
    }
  }
}
