package dev.mmel.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.app.cli.CliRun;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The parts of `mmel bench serving` that need no server: reading ghz, percentiles, padding. */
class ServingBenchPartsTest {
  /**
   * ghz's --format json report, shaped as ghz v0.120.0 writes it: durations in nanoseconds,
   * details[].timestamp the end of each measured call, status names as Go spells them.
   */
  private static final String GHZ_REPORT = """
      {"date":"2026-12-03T19:30:05Z","options":{"call":"mmel.v1.EntityLinker.LinkEntity",
       "host":"127.0.0.1:50051","insecure":true,"concurrency":2,"total":6,"skipFirst":2},
       "count":4,"total":9000000000,"average":30000000,"fastest":10000000,
       "slowest":50000000,"rps":0.44,
       "errorDistribution":{"rpc error: code = ResourceExhausted desc = queue full":1},
       "statusCodeDistribution":{"OK":3,"ResourceExhausted":1},
       "latencyDistribution":[{"percentage":50,"latency":20000000}],
       "histogram":[],
       "details":[
        {"timestamp":"2026-12-03T19:30:01.010000000Z","latency":10000000,"error":"",
         "status":"OK"},
        {"timestamp":"2026-12-03T19:30:01.05Z","latency":50000000,"error":"","status":"OK"},
        {"timestamp":"2026-12-03T20:30:01.100000000+01:00","latency":20000000,"error":"",
         "status":"OK"},
        {"timestamp":"2026-12-03T19:30:01.2Z","latency":1000000,
         "error":"rpc error: code = ResourceExhausted desc = queue full",
         "status":"ResourceExhausted"}]}
      """;

  @Test
  void readsGhzReportsTheWayTheJavaClientMeasures() throws Exception {
    LoadResult result = GhzReport.parse(GHZ_REPORT);

    assertEquals(4, result.requests());
    assertEquals(1, result.errors());
    assertEquals("RESOURCE_EXHAUSTED 1", result.errorsByStatus());
    // From the first call's start (01.000) to the last call's end (01.200), not ghz's total.
    assertEquals(0.2, result.seconds(), 1e-9);
    assertEquals(20.0, result.throughput(), 1e-9);
    // Percentiles of the three successful calls: 10, 20 and 50 ms.
    assertEquals(20.0, result.latencyMillis(0.50), 1e-9);
    assertEquals(50.0, result.latencyMillis(0.99), 1e-9);
    assertEquals(10.0, result.latencyMillis(0.01), 1e-9);
  }

  @Test
  void namesGoStatusCodesAsGrpcJavaDoes() {
    assertEquals("OK", GhzReport.javaStatusName("OK"));
    assertEquals("RESOURCE_EXHAUSTED", GhzReport.javaStatusName("ResourceExhausted"));
    assertEquals("DEADLINE_EXCEEDED", GhzReport.javaStatusName("DeadlineExceeded"));
    assertEquals("UNAVAILABLE", GhzReport.javaStatusName("Unavailable"));
    assertEquals("CANCELLED", GhzReport.javaStatusName("Canceled"));
  }

  @Test
  void aReportWithoutCallsHasNoLatencies() throws Exception {
    LoadResult result = GhzReport.parse("{\"count\":0,\"total\":1000000000,"
        + "\"statusCodeDistribution\":{},\"details\":null}");
    assertEquals(0, result.requests());
    assertEquals(1.0, result.seconds(), 1e-9);
    assertTrue(Double.isNaN(result.latencyMillis(0.5)));
    assertThrows(java.io.IOException.class, () -> GhzReport.parse("[]"));
  }

  @Test
  void percentilesTakeTheNearestRank() {
    long[] sorted = new long[100];
    for (int i = 0; i < 100; i++) {
      sorted[i] = i + 1;
    }
    assertEquals(50, Percentiles.nearestRank(sorted, 0.50));
    assertEquals(99, Percentiles.nearestRank(sorted, 0.99));
    assertEquals(100, Percentiles.nearestRank(sorted, 1.0));
    assertEquals(1, Percentiles.nearestRank(sorted, 0.001));
    assertEquals(7, Percentiles.nearestRank(new long[] {7}, 0.99));
    assertThrows(IllegalArgumentException.class, () -> Percentiles.nearestRank(new long[0], 0.5));
    assertThrows(IllegalArgumentException.class, () -> Percentiles.nearestRank(sorted, 0));
  }

  @Test
  void loadResultsSortLatenciesAndAddUpStatuses() {
    LoadResult a = new LoadResult(new long[] {3_000_000, 1_000_000, 2_000_000},
        Map.of("OK", 3L, "UNAVAILABLE", 2L), 0.5);
    LoadResult b = new LoadResult(new long[0], Map.of("UNAVAILABLE", 1L,
        "DEADLINE_EXCEEDED", 4L), 0.1);
    assertEquals(2.0, a.latencyMillis(0.5), 1e-9);
    assertEquals(10.0, a.throughput(), 1e-9);
    assertEquals("UNAVAILABLE 2", a.errorsByStatus());
    LoadResult both = new LoadResult(new long[0], LoadResult.addStatuses(List.of(a, b)), 0);
    assertEquals("DEADLINE_EXCEEDED 4, UNAVAILABLE 3", both.errorsByStatus());
    assertEquals("0", new LoadResult(new long[] {1}, Map.of("OK", 1L), 1).errorsByStatus());
  }

  @Test
  void syntheticEntitiesFollowTheRealVectorsMomentsAndLengths() {
    // Real vectors: a fixed length (as a model's normalised outputs have), an offset mean and
    // unequal spreads.
    SplittableRandom random = new SplittableRandom(5);
    int d = 6;
    List<float[]> real = new ArrayList<>();
    List<String> qids = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      double[] x = new double[d];
      for (int j = 0; j < d; j++) {
        x[j] = (j == 0 ? 3 : 0) + (j + 1) * 0.2 * random.nextGaussian();
      }
      real.add(scaled(x, 2.5));
      qids.add("Q" + i);
    }
    PaddedIndex padding = PaddedIndex.fit(qids, real, 42);
    double[] mean = new double[d];
    int n = 2000;
    for (int i = 0; i < n; i++) {
      float[] v = padding.vector(i);
      assertEquals(2.5, PaddedIndex.norm(v), 1e-4, "the lender's length");
      for (int j = 0; j < d; j++) {
        mean[j] += v[j] / n;
      }
    }
    double[] realMean = new double[d];
    for (float[] v : real) {
      for (int j = 0; j < d; j++) {
        realMean[j] += v[j] / n;
      }
    }
    for (int j = 0; j < d; j++) {
      assertEquals(realMean[j], mean[j], 0.05, "mean of dimension " + j);
    }
    // Every entity is a function of (seed, i) alone.
    assertEquals(List.of(padding.vector(17)[3], padding.lender(17)),
        List.of(PaddedIndex.fit(qids, real, 42).vector(17)[3], padding.lender(17)));
    assertEquals("synthetic-18", PaddedIndex.record(17).qid());
  }

  @Test
  void choleskyFactorsACovariance() {
    double[][] a = {{4, 2, 0.4}, {2, 5, 1}, {0.4, 1, 3}};
    double[][] l = PaddedIndex.cholesky(a);
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        double sum = 0;
        for (int k = 0; k < 3; k++) {
          sum += l[i][k] * l[j][k];
        }
        assertEquals(a[i][j], sum, 1e-12);
      }
    }
    assertThrows(IllegalStateException.class,
        () -> PaddedIndex.cholesky(new double[][] {{1, 2}, {2, 1}}));
  }

  @Test
  void badOptionsAreNamedBeforeAnythingStarts() {
    for (String[] args : List.of(
        new String[] {"--concurrency", "0"},
        new String[] {"--requests", "0"},
        new String[] {"--rate-share", "0"},
        new String[] {"--target", "nohost"},
        new String[] {"--scale", "1000", "--target", "127.0.0.1:1"},
        new String[] {"--scale", "1000", "--milvus", "http://127.0.0.1:1"},
        new String[] {"--scale-dir", "x"},
        new String[] {"--soak", "1m", "--clients", "ghz"},
        new String[] {"--clients", "wrk"})) {
      List<String> all = new ArrayList<>(List.of("bench", "serving"));
      all.addAll(List.of(args));
      CliRun run = CliRun.of(all.toArray(String[]::new));
      assertEquals(2, run.code(), String.join(" ", args) + "\n" + run.printed());
      String option = args[0].equals("--scale") ? args[2] : args[0];
      assertTrue(run.err().contains(option), option + " named in:\n" + run.err());
    }
  }

  private static float[] scaled(double[] x, double length) {
    double sum = 0;
    for (double v : x) {
      sum += v * v;
    }
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (float) (x[i] * length / Math.sqrt(sum));
    }
    return out;
  }

  @Test
  void eachRoundMeasuresTheLowestLevelNextToTheComputeAndTheClientsTakeTurnsGoingFirst() {
    int[] levels = {1, 8, 32};
    List<String> clients = List.of("java", "ghz");
    List<RoundSchedule.Step> first = RoundSchedule.of(0, 2, levels, clients);
    List<RoundSchedule.Step> expected = new ArrayList<>();
    expected.add(new RoundSchedule.Compute());
    for (int target = 0; target < 2; target++) {
      expected.add(new RoundSchedule.Serve(target, 1, "java"));
      expected.add(new RoundSchedule.Serve(target, 1, "ghz"));
    }
    expected.add(new RoundSchedule.Batched());
    for (int target = 0; target < 2; target++) {
      for (int level : new int[] {8, 32}) {
        expected.add(new RoundSchedule.Serve(target, level, "java"));
        expected.add(new RoundSchedule.Serve(target, level, "ghz"));
      }
    }
    assertEquals(expected, first);

    List<RoundSchedule.Step> second = RoundSchedule.of(1, 2, levels, clients);
    assertEquals(expected.size(), second.size());
    for (int i = 0; i < expected.size(); i++) {
      if (expected.get(i) instanceof RoundSchedule.Serve serve) {
        String other = serve.client().equals("java") ? "ghz" : "java";
        assertEquals(new RoundSchedule.Serve(serve.target(), serve.level(), other),
            second.get(i), "round 2, step " + i);
      } else {
        assertEquals(expected.get(i), second.get(i), "round 2, step " + i);
      }
    }
    assertEquals(first, RoundSchedule.of(2, 2, levels, clients), "round 3 is round 1's order");
    assertEquals(List.of(new RoundSchedule.Compute(), new RoundSchedule.Serve(0, 4, "java"),
        new RoundSchedule.Batched()), RoundSchedule.of(1, 1, new int[] {4}, List.of("java")));
  }
}
