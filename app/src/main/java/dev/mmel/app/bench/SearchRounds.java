package dev.mmel.app.bench;

import dev.mmel.core.ProgressListener;
import dev.mmel.retriever.SearchHit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Measures search engines: recall@k against the first engine (exact search) in a warm-up pass,
 * then every configuration (engine, k, clients) once per round, interleaved round-robin so that
 * a change in machine load hits every configuration alike.
 */
final class SearchRounds {
  /** One timed configuration: an engine at one k and one number of clients. */
  record Config(int engine, int k, int clients) {}

  /** Per configuration the median QPS and latencies; per engine and k the recall. */
  record Results(List<Config> configs, double[][] recall, double[] qps, double[] p50,
      double[] p99) {

    /** The exact search's configuration at the same k and number of clients. */
    int baselineOf(Config config) {
      for (int i = 0; i < configs.size(); i++) {
        Config other = configs.get(i);
        if (other.engine() == 0 && other.k() == config.k()
            && other.clients() == config.clients()) {
          return i;
        }
      }
      throw new IllegalStateException("no exact search for " + config);
    }
  }

  private final int[] ks;
  private final int[] clients;
  private final int rounds;

  SearchRounds(int[] ks, int[] clients, int rounds) {
    this.ks = ks.clone();
    this.clients = clients.clone();
    this.rounds = rounds;
  }

  int[] ks() {
    return ks.clone();
  }

  Results measure(List<SearchEngine> engines, float[][] queries, ProgressListener progress) {
    int maxK = Arrays.stream(ks).max().orElseThrow();
    progress.step("exact top-" + maxK + " of every query (the truth recall is measured against)");
    List<List<SearchHit>> truth =
        SearchLoad.run(engines.get(0).searcher(), queries, maxK, 1).hits();
    double[][] recall = new double[engines.size()][ks.length];
    Arrays.fill(recall[0], 1.0);
    for (int e = 1; e < engines.size(); e++) {
      for (int i = 0; i < ks.length; i++) {
        progress.step("warm-up and recall: " + engines.get(e).name() + ", k=" + ks[i]);
        recall[e][i] = recall(SearchLoad.run(engines.get(e).searcher(), queries, ks[i], 1)
            .hits(), truth, ks[i]);
      }
    }
    List<Config> configs = new ArrayList<>();
    for (int k : ks) {
      for (int c : clients) {
        for (int e = 0; e < engines.size(); e++) {
          configs.add(new Config(e, k, c));
        }
      }
    }
    double[][] qps = new double[configs.size()][rounds];
    double[][] p50 = new double[configs.size()][rounds];
    double[][] p99 = new double[configs.size()][rounds];
    for (int round = 0; round < rounds; round++) {
      progress.step(String.format(Locale.ROOT, "round %d of %d: %d configurations of %,d "
          + "queries, interleaved", round + 1, rounds, configs.size(), queries.length));
      for (int i = 0; i < configs.size(); i++) {
        Config config = configs.get(i);
        SearchLoad.Pass pass = SearchLoad.run(engines.get(config.engine()).searcher(),
            queries, config.k(), config.clients());
        qps[i][round] = pass.queriesPerSecond();
        p50[i][round] = pass.latencyMillis(0.50);
        p99[i][round] = pass.latencyMillis(0.99);
      }
    }
    return new Results(configs, recall, medians(qps), medians(p50), medians(p99));
  }

  int kIndex(int k) {
    for (int i = 0; i < ks.length; i++) {
      if (ks[i] == k) {
        return i;
      }
    }
    throw new IllegalArgumentException(k + " is not among " + Arrays.toString(ks));
  }

  private static double[] medians(double[][] perRound) {
    return Arrays.stream(perRound).mapToDouble(BenchSupport::median).toArray();
  }

  /** The share of the exact top k found, averaged over the queries. */
  static double recall(List<List<SearchHit>> found, List<List<SearchHit>> truth, int k) {
    double sum = 0;
    for (int q = 0; q < found.size(); q++) {
      Set<String> exact = new HashSet<>();
      truth.get(q).subList(0, Math.min(k, truth.get(q).size()))
          .forEach(hit -> exact.add(hit.qid()));
      long hits = found.get(q).stream().filter(hit -> exact.contains(hit.qid())).count();
      sum += (double) hits / exact.size();
    }
    return sum / found.size();
  }
}
