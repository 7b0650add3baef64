package dev.mmel.app.bench;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Collects what `mmel bench serving` measured, round by round, and prints it as Markdown: the
 * served table, the baselines, the two ratios against them, and with --scale and --soak their
 * comparisons. Figures are medians over the rounds; a ratio is the median of the rounds' own
 * ratios (each round's baseline and load ran minutes apart at most, under the same machine
 * load).
 */
final class ServingBenchReport {
  private final PrintWriter out;
  private final int[] levels;
  private final List<String> clients;
  private final int rounds;
  private final LoadResult[] single;
  private final LoadResult[] batched;
  private final Map<String, LoadResult[]> served = new HashMap<>();

  ServingBenchReport(PrintWriter out, int targets, int[] levels, List<String> clients,
      int rounds) {
    this.out = out;
    this.levels = levels.clone();
    this.clients = List.copyOf(clients);
    this.rounds = rounds;
    this.single = new LoadResult[rounds];
    this.batched = new LoadResult[rounds];
    for (int t = 0; t < targets; t++) {
      for (int level : levels) {
        for (String client : clients) {
          served.put(key(t, level, client), new LoadResult[rounds]);
        }
      }
    }
  }

  void single(int round, LoadResult result) {
    single[round] = result;
  }

  void batched(int round, LoadResult result) {
    batched[round] = result;
  }

  void served(int target, int level, String client, int round, LoadResult result) {
    served.get(key(target, level, client))[round] = result;
  }

  double medianThroughput(int target, int level, String client) {
    return median(served.get(key(target, level, client)), LoadResult::throughput);
  }

  void header(String text) {
    out.println(text);
    out.println();
  }

  void table(List<ServingBenchCommand.Target> targets) {
    out.println("| index | client | concurrency | calls | p50 ms | p99 ms | calls/s | errors "
        + "(all rounds) |");
    out.println("|---|---|---|---|---|---|---|---|");
    for (int t = 0; t < targets.size(); t++) {
      for (int level : levels) {
        for (String client : clients) {
          LoadResult[] runs = served.get(key(t, level, client));
          out.printf(Locale.ROOT, "| %s | %s | %d | %,.0f | %.2f | %.2f | %,.1f | %s |%n",
              targets.get(t).label(), client, level,
              median(runs, r -> r.requests()), median(runs, r -> r.latencyMillis(0.50)),
              median(runs, r -> r.latencyMillis(0.99)), median(runs, LoadResult::throughput),
              errors(runs));
        }
      }
    }
    out.println();
    if (targets.size() > 1) {
      scaleTable(targets.get(0), targets.get(targets.size() - 1), targets.size() - 1);
    }
  }

  /** The last target against the first: how much slower the larger index serves. */
  private void scaleTable(ServingBenchCommand.Target base, ServingBenchCommand.Target large,
      int t) {
    out.printf(Locale.ROOT, "| %s against %s | concurrency | p50 ratio | p99 ratio | "
        + "throughput ratio |%n", large.label(), base.label());
    out.println("|---|---|---|---|---|");
    for (int level : levels) {
      for (String client : clients) {
        LoadResult[] a = served.get(key(0, level, client));
        LoadResult[] b = served.get(key(t, level, client));
        out.printf(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f |%n", client, level,
            roundRatio(b, a, r -> r.latencyMillis(0.50)),
            roundRatio(b, a, r -> r.latencyMillis(0.99)),
            roundRatio(b, a, LoadResult::throughput));
      }
    }
    out.println();
  }

  void baselines(int k, int batch) {
    out.println("| baseline: the model alone, in this JVM, same rounds | p50 ms | p99 ms | "
        + "mentions/s |");
    out.println("|---|---|---|---|");
    out.printf(Locale.ROOT, "| compute of one request: prepare and encode 1 mention, "
        + "score_candidates over its %d candidates | %.2f | %.2f | %,.1f |%n", k,
        median(single, r -> r.latencyMillis(0.50)), median(single, r -> r.latencyMillis(0.99)),
        median(single, LoadResult::throughput));
    out.printf(Locale.ROOT, "| raw batched: %d mentions encoded in one call and scored in one "
        + "call against %d x %d candidates (latency per batch) | %.2f | %.2f | %,.1f |%n",
        batch, batch, k, median(batched, r -> r.latencyMillis(0.50)),
        median(batched, r -> r.latencyMillis(0.99)), median(batched, LoadResult::throughput));
    out.println();
  }

  void ratios(double overheadGoal, double saturationGoal) {
    int low = levels[0];
    int high = levels[levels.length - 1];
    StringBuilder head = new StringBuilder("| ratio (median of the rounds' ratios) |");
    StringBuilder rule = new StringBuilder("|---|");
    for (String client : clients) {
      head.append(' ').append(client).append(" |");
      rule.append("---|");
    }
    out.println(head.append(" goal |"));
    out.println(rule.append("---|"));
    List<String> overhead = new ArrayList<>();
    List<String> saturation = new ArrayList<>();
    for (String client : clients) {
      double o = roundRatio(served.get(key(0, low, client)), single,
          r -> r.latencyMillis(0.50));
      double s = roundRatio(served.get(key(0, high, client)), batched, LoadResult::throughput);
      overhead.add(String.format(Locale.ROOT, "%.3f (%s)", o,
          o <= overheadGoal ? "met" : "missed"));
      saturation.add(String.format(Locale.ROOT, "%.3f (%s)", s,
          s >= saturationGoal ? "met" : "missed"));
    }
    out.printf(Locale.ROOT, "| serving overhead: served p50 at concurrency %d / compute p50 "
        + "of one request | %s | <= %.2f |%n", low, String.join(" | ", overhead), overheadGoal);
    out.printf(Locale.ROOT, "| saturation: served throughput at concurrency %d / raw batched "
        + "throughput | %s | >= %.2f |%n", high, String.join(" | ", saturation),
        saturationGoal);
    out.println();
    overheadRounds(low);
    if (low != 1) {
      out.println("(No concurrency 1 was measured: the overhead ratio is taken at the lowest "
          + "level, " + low + ".)");
      out.println();
    }
  }

  /**
   * The overhead ratio round by round: a median ratio hides whether one round (a cold cache, a
   * neighbour's load) or every round sits above the goal.
   */
  private void overheadRounds(int level) {
    StringBuilder head = new StringBuilder("| round | compute p50 ms |");
    StringBuilder rule = new StringBuilder("|---|---|");
    for (String client : clients) {
      head.append(' ').append(client).append(" p50 ms at concurrency ").append(level)
          .append(" | ").append(client).append(" overhead |");
      rule.append("---|---|");
    }
    out.println(head);
    out.println(rule);
    for (int r = 0; r < rounds; r++) {
      double compute = single[r].latencyMillis(0.50);
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %d | %.2f |", r + 1,
          compute));
      for (String client : clients) {
        double p50 = served.get(key(0, level, client))[r].latencyMillis(0.50);
        row.append(String.format(Locale.ROOT, " %.2f | %.3f |", p50, p50 / compute));
      }
      out.println(row);
    }
    out.println();
  }

  /** Where the time of one call at concurrency 1 went, per target. */
  void stages(List<ServingBenchCommand.Target> targets, List<JavaLoad.Stages> stages) {
    out.println("| where a call's time goes at concurrency 1 (Java client, calls with the "
        + "server's debug timings, medians, ms) | calls | client-observed | server total | "
        + "validate | encode, batch wait included | retrieve: ANN search and candidates' read "
        + "| rerank | outside the server: gRPC, network stack, client |");
    out.println("|---|---|---|---|---|---|---|---|---|");
    for (int t = 0; t < targets.size(); t++) {
      JavaLoad.Stages s = stages.get(t);
      out.printf(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |%n",
          targets.get(t).label(), s.calls(), s.client(), s.server(), s.validate(), s.encode(),
          s.retrieve(), s.rerank(), s.client() - s.server());
    }
    out.println();
  }

  /** Top-1 answers of the same queries from two indexes. */
  void answers(ServingBenchCommand.Target base, ServingBenchCommand.Target large,
      String[] baseTop, String[] largeTop, List<String> gold, String syntheticPrefix) {
    int changed = 0;
    int toSynthetic = 0;
    int failed = 0;
    int baseCorrect = 0;
    int largeCorrect = 0;
    for (int q = 0; q < baseTop.length; q++) {
      if (baseTop[q] == null || largeTop[q] == null) {
        failed++;
        continue;
      }
      if (!baseTop[q].equals(largeTop[q])) {
        changed++;
        if (largeTop[q].startsWith(syntheticPrefix)) {
          toSynthetic++;
        }
      }
      baseCorrect += baseTop[q].equals(gold.get(q)) ? 1 : 0;
      largeCorrect += largeTop[q].equals(gold.get(q)) ? 1 : 0;
    }
    int n = baseTop.length;
    out.printf(Locale.ROOT, "Top-1 answers to the same %,d queries (each sent once): %,d "
        + "differ between %s and %s (%.1f%%), %,d of them now a synthetic entity; %,d "
        + "calls failed. Top-1 is the gold entity for %.1f%% of the queries on the first "
        + "and %.1f%% on the second.%n%n", n, changed, base.label(), large.label(),
        100.0 * changed / n, toSynthetic, failed, 100.0 * baseCorrect / n,
        100.0 * largeCorrect / n);
  }

  void soak(ServingBenchCommand.Target target, Duration warmup, Duration length, double rate,
      double share, double saturation, SoakRun.Outcome outcome, double growthGoal) {
    LoadResult result = outcome.soak();
    out.printf(Locale.ROOT, "| soak: %s for %s after %s of warm-up, at %.1f calls/s (%.2f x "
        + "the saturation throughput, %.1f calls/s) | value |%n", target.label(),
        ServingBenchCommand.human(length), ServingBenchCommand.human(warmup), rate, share,
        saturation);
    out.println("|---|---|");
    out.printf(Locale.ROOT, "| calls (soak; warm-up), achieved rate of the soak | %,d; %,d, "
        + "%,.1f calls/s |%n", result.requests(), outcome.warmup().requests(),
        result.throughput());
    long errors = result.errors() + outcome.warmup().errors();
    out.printf(Locale.ROOT, "| errors (soak; warm-up) | %s; %s (goal 0: %s) |%n",
        result.errorsByStatus(), outcome.warmup().errorsByStatus(),
        errors == 0 ? "met" : "missed");
    out.printf(Locale.ROOT, "| p50 / p99 ms | %.2f / %.2f |%n", result.latencyMillis(0.50),
        result.latencyMillis(0.99));
    MemoryReading start = outcome.start();
    MemoryReading end = outcome.end();
    if (!start.present() || !end.present()) {
      out.println("| memory | n/a (the server runs elsewhere, or /proc cannot tell) |");
      out.println();
      return;
    }
    out.printf(Locale.ROOT, "| resident set of this process (VmRSS: server, clients, "
        + "baseline model) after a full GC, start / end | %s |%n",
        growth(start.resident().getAsLong(), end.resident().getAsLong(), growthGoal));
    out.printf(Locale.ROOT, "| highest resident set of %d readings, every %s | %s |%n",
        outcome.samples(), ServingBenchCommand.human(SoakRun.SAMPLE_EVERY),
        MemoryReading.megabytes(outcome.highestResident()));
    out.printf(Locale.ROOT, "| of it: Java heap committed, start / end | %s |%n",
        growth(start.heapCommitted(), end.heapCommitted(), -1));
    out.printf(Locale.ROOT, "| of it: resident mapped files, start / end | %s |%n",
        growth(start.mappedFiles().orElse(0), end.mappedFiles().orElse(0), -1));
    out.printf(Locale.ROOT, "| of it: native (the rest), start / end | %s |%n",
        growth(start.nativeResident().orElse(0), end.nativeResident().orElse(0), -1));
    out.printf(Locale.ROOT, "| Java heap in use after a full GC, start / end | %s |%n",
        growth(start.heapUsed(), end.heapUsed(), -1));
    out.println();
  }

  private static String growth(long start, long end, double goal) {
    double percent = start > 0 ? 100.0 * (end - start) / start : Double.NaN;
    return String.format(Locale.ROOT, "%,.0f MB / %,.0f MB, %+.1f%%%s", start / 1e6,
        end / 1e6, percent, goal < 0 ? "" : String.format(Locale.ROOT,
            " (goal <= %.0f%%: %s)", goal, percent <= goal ? "met" : "missed"));
  }

  private static String errors(LoadResult[] runs) {
    List<LoadResult> all = List.of(runs);
    return new LoadResult(new long[0], LoadResult.addStatuses(all), 0).errorsByStatus();
  }

  /** The median over the rounds of measure(a) / measure(b), round by round. */
  private double roundRatio(LoadResult[] a, LoadResult[] b,
      ToDoubleFunction<LoadResult> measure) {
    double[] ratios = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      ratios[r] = measure.applyAsDouble(a[r]) / measure.applyAsDouble(b[r]);
    }
    return BenchSupport.median(ratios);
  }

  private static double median(LoadResult[] runs, ToDoubleFunction<LoadResult> measure) {
    double[] values = new double[runs.length];
    for (int r = 0; r < runs.length; r++) {
      values[r] = measure.applyAsDouble(runs[r]);
    }
    return BenchSupport.median(values);
  }

  private static String key(int target, int level, String client) {
    return target + "/" + level + "/" + client;
  }
}
