package dev.mmel.serving.http;

import java.time.Duration;

/**
 * How the HTTP/JSON API listens: address, port (0 = any free port), the largest request body
 * (the gRPC message limit, so both doors take the same requests), request threads, and how long
 * shutdown waits for requests in flight. Validated here.
 */
public record HttpSettings(String host, int port, int maxBodyBytes, int threads,
    Duration shutdownGrace) {

  public HttpSettings {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("http_port must be within 0..65535, got " + port);
    }
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("max_body_bytes must be > 0, got " + maxBodyBytes);
    }
    if (threads < 4 || threads > 8192) {
      throw new IllegalArgumentException("http threads must be within 4..8192, got " + threads);
    }
    if (shutdownGrace == null || shutdownGrace.isNegative()) {
      throw new IllegalArgumentException("shutdown_grace must be >= 0, got " + shutdownGrace);
    }
  }
}
