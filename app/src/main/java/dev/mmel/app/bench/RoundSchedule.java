package dev.mmel.app.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The order of one round of `mmel bench serving`. The compute baseline comes first and the
 * lowest concurrency level right after it, on every target, because the overhead ratio divides
 * the one by the other; the batched baseline, which loads every core, comes next, then the
 * other levels. At each level the clients take turns going first, round by round, so that
 * neither always meets what the run before it left behind (garbage to collect, a cold path).
 */
final class RoundSchedule {
  /** One measurement of a round. */
  sealed interface Step permits Compute, Batched, Serve {}

  /** The model's compute for one mention at a time. */
  record Compute() implements Step {}

  /** The model's raw batched throughput. */
  record Batched() implements Step {}

  /** A client's load on a target at a concurrency level. */
  record Serve(int target, int level, String client) implements Step {}

  private RoundSchedule() {}

  /**
   * The steps of round {@code round} (from 0) over {@code targets} targets, {@code levels}
   * ascending and {@code clients} in their given order.
   */
  static List<Step> of(int round, int targets, int[] levels, List<String> clients) {
    List<Step> steps = new ArrayList<>();
    steps.add(new Compute());
    serve(steps, round, targets, levels, 0, 1, clients);
    steps.add(new Batched());
    serve(steps, round, targets, levels, 1, levels.length, clients);
    return steps;
  }

  private static void serve(List<Step> steps, int round, int targets, int[] levels, int from,
      int to, List<String> clients) {
    for (int target = 0; target < targets; target++) {
      for (int i = from; i < to; i++) {
        for (int c = 0; c < clients.size(); c++) {
          steps.add(new Serve(target, levels[i], clients.get((c + round) % clients.size())));
        }
      }
    }
  }
}
