package dev.mmel.retriever.embedded;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.RerankFeatures;
import dev.mmel.retriever.EntityFilter;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.SearchHit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HNSW recall against exact inner-product search at the real model's retrieval width. Vectors are
 * Gaussian with per-entity scales, so norms differ and inner product is not cosine; queries are
 * fresh Gaussians, the hard case where no entity stands out.
 */
class EmbeddedRecallTest {
  private static final int ENTITIES = 5_000;
  private static final int DIM = 800;
  private static final int QUERIES = 50;
  private static final int K = 10;
  private static final IndexSchema SCHEMA = new IndexSchema(DIM, 2, 1, 1);

  @TempDir
  Path root;

  @Test
  void recallAtTenIsAtLeast95Percent() {
    Random random = new Random(11);
    float[][] vectors = build(random, "recall");
    try (EmbeddedEntityIndexStore store = new EmbeddedEntityIndexStore(root);
        EntityIndex index = store.openLive()) {
      double recall = recall(index, vectors, new Random(12));
      assertTrue(recall >= 0.95, "recall@10 " + recall);
    }
  }

  /** The store's search breadth is what trades recall for speed: few candidates miss more. */
  @Test
  void moreSearchCandidatesFindMoreOfTheExactTopTen() {
    float[][] vectors = build(new Random(21), "breadth");
    double narrow;
    double wide;
    try (EmbeddedEntityIndexStore store = new EmbeddedEntityIndexStore(root, 10);
        EntityIndex index = store.openLive()) {
      narrow = recall(index, vectors, new Random(22));
    }
    try (EmbeddedEntityIndexStore store = new EmbeddedEntityIndexStore(root, 800);
        EntityIndex index = store.openLive()) {
      wide = recall(index, vectors, new Random(22));
    }
    assertTrue(wide >= 0.99 && narrow < wide - 0.05,
        "recall@10 exploring 20: " + narrow + ", exploring 800: " + wide);
  }

  @Test
  void searchCandidatesOutsideTheLimitsAreRejected() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> new EmbeddedEntityIndexStore(root, 0));
    assertTrue(error.getMessage().contains("search_candidates"), error.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new EmbeddedEntityIndexStore(root,
        EmbeddedEntityIndex.MAX_SEARCH_CANDIDATES + 1));
  }

  /**
   * Publishing merges the build's segments into one, and the merged graph is built by several
   * threads: it must find what a graph merged by one thread finds.
   */
  @Test
  void aGraphMergedByTwoWorkersFindsWhatOneMergedByOneFinds() {
    float[][] vectors = build(new Random(31), "merged", 1_000, 1, root.resolve("one"));
    double one;
    try (EmbeddedEntityIndexStore store = new EmbeddedEntityIndexStore(root.resolve("one"));
        EntityIndex index = store.openLive()) {
      one = recall(index, vectors, new Random(32));
    }
    build(new Random(31), "merged", 1_000, 2, root.resolve("two"));
    try (EmbeddedEntityIndexStore store = new EmbeddedEntityIndexStore(root.resolve("two"));
        EntityIndex index = store.openLive()) {
      double two = recall(index, vectors, new Random(32));
      assertTrue(two >= 0.95 && two >= one - 0.02,
          "recall@10 merged by one worker: " + one + ", by two: " + two);
    }
  }

  /** Indexes ENTITIES random vectors as the published build; returns the vectors. */
  private float[][] build(Random random, String buildId) {
    return build(random, buildId, ENTITIES, 1, root);
  }

  /**
   * As {@link #build(Random, String)}, flushing a segment every {@code flushEvery} entities, the
   * published graph merged by {@code mergeWorkers} threads, in the store at {@code storeRoot}.
   */
  private static float[][] build(Random random, String buildId, int flushEvery,
      int mergeWorkers, Path storeRoot) {
    float[][] vectors = new float[ENTITIES][];
    List<EncodedEntity> entities = new ArrayList<>();
    float[] small = new float[2];
    RerankFeatures rerank = new RerankFeatures(small, small, small, small);
    for (int i = 0; i < ENTITIES; i++) {
      vectors[i] = gaussian(random, DIM, 0.5 + random.nextDouble());
      entities.add(new EncodedEntity(new EntityRecord("Q" + i, "e" + i, List.of(), "", ""),
          vectors[i], rerank));
    }
    try (EmbeddedEntityIndexStore store = new EmbeddedEntityIndexStore(storeRoot,
        EmbeddedEntityIndex.DEFAULT_SEARCH_CANDIDATES, mergeWorkers)) {
      try (EntityIndex index = store.openBuild(buildId, "v1", SCHEMA)) {
        for (int from = 0; from < ENTITIES; from += 1_000) {
          index.upsert(entities.subList(from, from + 1_000));
          if ((from + 1_000) % flushEvery == 0) {
            index.flush();
          }
        }
        index.flush();
      }
      store.publish(buildId);
    }
    return vectors;
  }

  /** Share of the exact top K found, over QUERIES fresh Gaussian queries. */
  private static double recall(EntityIndex index, float[][] vectors, Random random) {
    int found = 0;
    for (int q = 0; q < QUERIES; q++) {
      float[] query = gaussian(random, DIM, 1);
      Set<String> exact = exactTop(vectors, query);
      for (SearchHit hit : index.search(query, K, EntityFilter.none())) {
        found += exact.contains(hit.qid()) ? 1 : 0;
      }
    }
    return found / (double) (QUERIES * K);
  }

  private static Set<String> exactTop(float[][] vectors, float[] query) {
    double[] dots = Arrays.stream(vectors).mapToDouble(v -> dot(v, query)).toArray();
    Set<String> top = new HashSet<>();
    IntStream.range(0, vectors.length).boxed()
        .sorted(Comparator.comparingDouble(i -> -dots[i])).limit(K)
        .forEach(i -> top.add("Q" + i));
    return top;
  }

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }

  private static float[] gaussian(Random random, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (scale * random.nextGaussian());
    }
    return v;
  }
}
