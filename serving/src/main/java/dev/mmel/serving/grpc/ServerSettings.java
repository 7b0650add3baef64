package dev.mmel.serving.grpc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How the server listens and behaves: address and ports (gRPC, metrics, HTTP/JSON), TLS, the
 * bearer token, request limits, the deadline of calls that set none, how long one read of the
 * entity index may take, handler threads, and how long shutdown waits for calls in flight. Made
 * with {@link #builder()}, validated here.
 */
public record ServerSettings(String host, int port, int metricsPort, int httpPort,
    Optional<Path> tlsCertificate,
    Optional<Path> tlsKey, Optional<String> bearerToken, ServingLimits limits,
    Duration defaultDeadline, Duration indexTimeout, int handlerThreads,
    Duration shutdownGrace) {

  public ServerSettings {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    port("port", port);
    if (metricsPort < 0 || metricsPort > 65_535) {
      throw new IllegalArgumentException("metrics_port must be within 0..65535 (0 = no "
          + "metrics endpoint), got " + metricsPort);
    }
    if (httpPort < 0 || httpPort > 65_535) {
      throw new IllegalArgumentException("http_port must be within 0..65535 (0 = no HTTP/JSON "
          + "API), got " + httpPort);
    }
    if (httpPort > 0 && (httpPort == port || httpPort == metricsPort)) {
      throw new IllegalArgumentException("http_port " + httpPort + " is already the "
          + (httpPort == port ? "gRPC port" : "metrics port") + "; give it a port of its own");
    }
    if (httpPort > 0 && tlsCertificate.isPresent()) {
      // The HTTP port would carry the bearer token in the clear beside a TLS-only gRPC port.
      throw new IllegalArgumentException("http_port serves plain HTTP and cannot be combined "
          + "with TLS (--tls-cert); turn it off (0) or put a TLS-terminating proxy in front");
    }
    if (tlsCertificate.isPresent() != tlsKey.isPresent()) {
      throw new IllegalArgumentException("TLS needs both a certificate chain and a private key "
          + "(--tls-cert and --tls-key), or neither");
    }
    for (Optional<Path> file : java.util.List.of(tlsCertificate, tlsKey)) {
      if (file.isPresent() && !Files.isReadable(file.get())) {
        throw new IllegalArgumentException("TLS file " + file.get() + " cannot be read");
      }
    }
    positive("default_deadline", defaultDeadline, Duration.ofHours(1));
    positive("index_timeout", indexTimeout, Duration.ofMinutes(1));
    positive("shutdown_grace", shutdownGrace, Duration.ofHours(1));
    if (handlerThreads < 1 || handlerThreads > 4096) {
      throw new IllegalArgumentException("handler_threads must be within 1..4096, got "
          + handlerThreads);
    }
  }

  private static void port(String field, int value) {
    if (value < 0 || value > 65_535) {
      throw new IllegalArgumentException(field + " must be within 0..65535 (0 = any free "
          + "port), got " + value);
    }
  }

  private static void positive(String field, Duration value, Duration max) {
    if (value == null || value.isNegative() || value.isZero() || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(field + " must be within (0, " + max + "], got "
          + value);
    }
  }

  @Override
  public String toString() {
    return "ServerSettings[" + host + ":" + port + ", metrics " + metricsPort + ", http "
        + httpPort + ", tls "
        + tlsCertificate.isPresent() + ", token " + (bearerToken.isPresent() ? "set" : "none")
        + ", " + limits + "]";
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Defaults: 127.0.0.1:50051, metrics on 9464, no HTTP/JSON API, no TLS, no token, default
   * limits, a 10 s deadline for calls without one, 2 s for one read of the entity index (a store
   * that takes longer fails the mention UNAVAILABLE), 64 handler threads, 30 s to drain on
   * shutdown.
   */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 50051;
    private int metricsPort = 9464;
    private int httpPort = 0;
    private Optional<Path> tlsCertificate = Optional.empty();
    private Optional<Path> tlsKey = Optional.empty();
    private Optional<String> bearerToken = Optional.empty();
    private ServingLimits limits = ServingLimits.builder().build();
    private Duration defaultDeadline = Duration.ofSeconds(10);
    private Duration indexTimeout = Duration.ofSeconds(2);
    private int handlerThreads = 64;
    private Duration shutdownGrace = Duration.ofSeconds(30);

    private Builder() {}

    public Builder host(String address) {
      this.host = address;
      return this;
    }

    public Builder port(int number) {
      this.port = number;
      return this;
    }

    public Builder metricsPort(int number) {
      this.metricsPort = number;
      return this;
    }

    /** The HTTP/JSON API and web console; 0 = none. */
    public Builder httpPort(int number) {
      this.httpPort = number;
      return this;
    }

    public Builder tls(Path certificateChain, Path privateKey) {
      this.tlsCertificate = Optional.ofNullable(certificateChain);
      this.tlsKey = Optional.ofNullable(privateKey);
      return this;
    }

    public Builder bearerToken(String token) {
      this.bearerToken = Optional.ofNullable(token).filter(t -> !t.isEmpty());
      return this;
    }

    public Builder limits(ServingLimits servingLimits) {
      this.limits = servingLimits;
      return this;
    }

    public Builder defaultDeadline(Duration deadline) {
      this.defaultDeadline = deadline;
      return this;
    }

    public Builder indexTimeout(Duration timeout) {
      this.indexTimeout = timeout;
      return this;
    }

    public Builder handlerThreads(int threads) {
      this.handlerThreads = threads;
      return this;
    }

    public Builder shutdownGrace(Duration grace) {
      this.shutdownGrace = grace;
      return this;
    }

    public ServerSettings build() {
      return new ServerSettings(host, port, metricsPort, httpPort, tlsCertificate, tlsKey,
          bearerToken, limits, defaultDeadline, indexTimeout, handlerThreads, shutdownGrace);
    }
  }
}
