package dev.mmel.serving.grpc;

import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.mmel.proto.v1.MentionOutcome;
import dev.mmel.serving.link.LinkResult;
import dev.mmel.serving.link.StageTimings;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * The server's Prometheus metrics, in a registry of its own: stage latencies, call latencies by
 * method and status, answers by status code, NIL answers, model batch sizes, queue depth and
 * cache hit counts. Exposed over HTTP by {@link MetricsHttp}.
 */
public final class ServingMetrics {
  private static final double[] SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25, 0.5, 1, 2.5, 5, 10, 30};
  private static final double[] BATCH_SIZES = {1, 2, 4, 8, 16, 32, 64, 128, 256};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Histogram stageSeconds = Histogram.builder()
      .name("mmel_link_stage_seconds").help("Time one mention spent in each linking stage")
      .labelNames("stage").classicOnly().classicUpperBounds(SECONDS).register(registry);
  private final Histogram callSeconds = Histogram.builder()
      .name("mmel_rpc_seconds").help("Time of a call, by method and status code")
      .labelNames("method", "code").classicOnly().classicUpperBounds(SECONDS)
      .register(registry);
  private final Histogram batchSizes = Histogram.builder()
      .name("mmel_encode_batch_size").help("Mentions per model call of mention encoding")
      .classicOnly().classicUpperBounds(BATCH_SIZES).register(registry);
  private final Counter answers = Counter.builder()
      .name("mmel_mention_answers").help("Mentions answered, by gRPC status code")
      .labelNames("code").register(registry);
  private final Counter nilAnswers = Counter.builder()
      .name("mmel_nil_answers").help("Mentions answered NIL (best score under the threshold)")
      .register(registry);
  private final Map<String, Supplier<CacheStats>> caches = new ConcurrentHashMap<>();

  public ServingMetrics() {
    CounterWithCallback.builder().name("mmel_cache_requests")
        .help("Cache look-ups, by cache and result").labelNames("cache", "result")
        .callback(callback -> caches.forEach((cache, stats) -> {
          CacheStats s = stats.get();
          callback.call(s.hitCount(), cache, "hit");
          callback.call(s.missCount(), cache, "miss");
        })).register(registry);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** A mention linked: its stages and whether it was NIL. */
  public void linked(LinkResult result) {
    StageTimings t = result.timings();
    stageSeconds.labelValues("dme").observe(t.dmeMs() / 1e3);
    stageSeconds.labelValues("encode").observe(t.encodeMs() / 1e3);
    stageSeconds.labelValues("retrieve").observe(t.retrieveMs() / 1e3);
    stageSeconds.labelValues("rerank").observe(t.rerankMs() / 1e3);
    stageSeconds.labelValues("total").observe(t.totalMs() / 1e3);
    if (result.nil()) {
      nilAnswers.inc();
    }
  }

  /** A mention answered, with a result or a status. */
  public void answered(MentionOutcome outcome) {
    answers.labelValues(outcome.hasError()
        ? Status.fromCodeValue(outcome.getError().getCode()).getCode().name() : "OK").inc();
  }

  public void call(String method, Status.Code code, double seconds) {
    callSeconds.labelValues(method, code.name()).observe(seconds);
  }

  public void batch(int size) {
    batchSizes.observe(size);
  }

  /** A value read when scraped, e.g. the encoder's queue depth. */
  public void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder().name(name).help(help)
        .callback(callback -> callback.call(value.getAsDouble())).register(registry);
  }

  /** A cache's hits and misses, read when scraped (from whatever {@code stats} reads then). */
  public void cache(String cache, Supplier<CacheStats> stats) {
    caches.put(cache, stats);
  }
}
