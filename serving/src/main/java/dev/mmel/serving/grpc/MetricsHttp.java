package dev.mmel.serving.grpc;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;

/** The metrics endpoint: GET /metrics in Prometheus' text format, on its own port. */
public final class MetricsHttp implements AutoCloseable {
  private final HTTPServer server;

  public MetricsHttp(ServingMetrics metrics, String host, int port) throws IOException {
    this.server = HTTPServer.builder().hostname(host).port(port)
        .registry(metrics.registry()).buildAndStart();
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.close();
  }
}
