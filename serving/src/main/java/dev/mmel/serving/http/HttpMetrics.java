package dev.mmel.serving.http;

import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Times every HTTP request by route and HTTP status, in the server's registry beside the gRPC
 * metrics (which count the linking calls the HTTP API makes too).
 */
final class HttpMetrics {
  private static final double[] SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25, 0.5, 1, 2.5, 5, 10, 30};

  private final Histogram seconds;

  HttpMetrics(PrometheusRegistry registry) {
    this.seconds = Histogram.builder().name("mmel_http_seconds")
        .help("Time of an HTTP request, by route and HTTP status")
        .labelNames("route", "status").classicOnly().classicUpperBounds(SECONDS)
        .register(registry);
  }

  void observe(String route, int status, double elapsedSeconds) {
    seconds.labelValues(route, Integer.toString(status)).observe(elapsedSeconds);
  }
}
