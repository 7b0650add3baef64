package dev.mmel.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Reads ghz's {@code --format json} report into a {@link LoadResult}, measured the way the Java
 * load generator measures: nearest-rank percentiles of the successful calls' latencies (from
 * {@code details}), and the window from the first measured call's start to the last one's end
 * ({@code details[].timestamp} is when a call ended). ghz's own {@code rps} divides by the whole
 * run, warm-up calls ({@code --skipFirst}) included, so it is not used.
 */
final class GhzReport {
  private static final ObjectMapper JSON = new ObjectMapper();

  private GhzReport() {}

  static LoadResult parse(String json) throws IOException {
    JsonNode report = JSON.readTree(json);
    if (report == null || !report.isObject()) {
      throw new IOException("ghz's report is not a JSON object");
    }
    Map<String, Long> statuses = new HashMap<>();
    JsonNode distribution = report.path("statusCodeDistribution");
    for (Iterator<Map.Entry<String, JsonNode>> it = distribution.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      statuses.merge(javaStatusName(entry.getKey()), entry.getValue().asLong(), Long::sum);
    }
    JsonNode details = report.path("details");
    long[] latencies = new long[details.size()];
    int ok = 0;
    Instant first = null;
    Instant last = null;
    for (JsonNode detail : details) {
      long latency = detail.path("latency").asLong();
      Instant end = OffsetDateTime.parse(detail.path("timestamp").asText()).toInstant();
      Instant start = end.minusNanos(latency);
      first = first == null || start.isBefore(first) ? start : first;
      last = last == null || end.isAfter(last) ? end : last;
      if (LoadResult.OK.equals(javaStatusName(detail.path("status").asText()))) {
        latencies[ok++] = latency;
      }
    }
    double seconds = first != null ? Duration.between(first, last).toNanos() / 1e9
        : report.path("total").asLong() / 1e9;
    return new LoadResult(java.util.Arrays.copyOf(latencies, ok), statuses, seconds);
  }

  /** Go's names of status codes (ResourceExhausted, Canceled) as grpc-java's enum names them. */
  static String javaStatusName(String goName) {
    if (goName.equals("Canceled")) {
      return "CANCELLED";
    }
    if (goName.equals("OK")) {
      return LoadResult.OK;
    }
    return goName.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
  }
}
