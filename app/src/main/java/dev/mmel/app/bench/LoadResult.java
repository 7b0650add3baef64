package dev.mmel.app.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What one load run against the server measured, whichever client made it: the latencies of
 * the calls that succeeded, every measured call's gRPC status (Java's names, e.g.
 * RESOURCE_EXHAUSTED), and the measured window from the first measured call's start to the last
 * one's end. Warm-up calls are not in it.
 */
record LoadResult(long[] latencyNanos, Map<String, Long> statuses, double seconds) {
  static final String OK = "OK";

  LoadResult {
    latencyNanos = latencyNanos.clone();
    Arrays.sort(latencyNanos);
    statuses = Map.copyOf(statuses);
  }

  /** A run that sent nothing: a warm-up of length zero. */
  static LoadResult empty() {
    return new LoadResult(new long[0], Map.of(), 0);
  }

  long requests() {
    return statuses.values().stream().mapToLong(Long::longValue).sum();
  }

  long errors() {
    return requests() - statuses.getOrDefault(OK, 0L);
  }

  /** Calls per second over the measured window, failed ones included. */
  double throughput() {
    return seconds > 0 ? requests() / seconds : 0;
  }

  /** The latency {@code fraction} of the successful calls did not exceed, in ms; NaN if none. */
  double latencyMillis(double fraction) {
    return latencyNanos.length == 0 ? Double.NaN
        : Percentiles.nearestRank(latencyNanos, fraction) / 1e6;
  }

  /** "0", or the failed calls by status, most first: "RESOURCE_EXHAUSTED 12, UNAVAILABLE 1". */
  String errorsByStatus() {
    if (errors() == 0) {
      return "0";
    }
    return statuses.entrySet().stream().filter(e -> !e.getKey().equals(OK))
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed()
            .thenComparing(Map.Entry.comparingByKey()))
        .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue()))
        .collect(Collectors.joining(", "));
  }

  /** Status counts of several runs added up, for the errors of all rounds. */
  static Map<String, Long> addStatuses(Iterable<LoadResult> results) {
    Map<String, Long> total = new TreeMap<>();
    for (LoadResult result : results) {
      result.statuses().forEach((status, count) -> total.merge(status, count, Long::sum));
    }
    return total;
  }
}
