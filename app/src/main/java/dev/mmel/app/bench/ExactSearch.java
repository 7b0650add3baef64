package dev.mmel.app.bench;

import dev.mmel.model.eval.InnerProduct;
import dev.mmel.retriever.SearchHit;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Brute-force maximum inner product search over vectors in memory, one thread per search: the
 * exact answer ANN recall is measured against, and the speed an index has to beat.
 */
final class ExactSearch {
  private final float[][] vectors;
  private final IntFunction<String> qids;

  ExactSearch(float[][] vectors, IntFunction<String> qids) {
    this.vectors = vectors;
    this.qids = qids;
  }

  /** The k largest inner products with {@code query}, best first. */
  List<SearchHit> search(float[] query, int k) {
    int limit = Math.min(k, vectors.length);
    // A min-heap of the best so far: a candidate only has to beat its root.
    float[] scores = new float[limit];
    int[] ids = new int[limit];
    int size = 0;
    for (int i = 0; i < vectors.length; i++) {
      float score = InnerProduct.dot(query, vectors[i]);
      if (size < limit) {
        scores[size] = score;
        ids[size] = i;
        siftUp(scores, ids, size++);
      } else if (score > scores[0]) {
        scores[0] = score;
        ids[0] = i;
        siftDown(scores, ids, limit);
      }
    }
    // Popping the root (the worst left) into the last free slot leaves the best first.
    SearchHit[] hits = new SearchHit[size];
    for (int end = size - 1; end >= 0; end--) {
      hits[end] = new SearchHit(qids.apply(ids[0]), scores[0]);
      swap(scores, ids, 0, end);
      siftDown(scores, ids, end);
    }
    return List.of(hits);
  }

  /** Four partial sums, so the multiply-adds need not wait on one accumulator in turn. */
  private static void siftUp(float[] scores, int[] ids, int at) {
    while (at > 0) {
      int parent = (at - 1) >>> 1;
      if (scores[parent] <= scores[at]) {
        return;
      }
      swap(scores, ids, parent, at);
      at = parent;
    }
  }

  private static void siftDown(float[] scores, int[] ids, int size) {
    int at = 0;
    while (true) {
      int child = 2 * at + 1;
      if (child >= size) {
        return;
      }
      if (child + 1 < size && scores[child + 1] < scores[child]) {
        child++;
      }
      if (scores[at] <= scores[child]) {
        return;
      }
      swap(scores, ids, at, child);
      at = child;
    }
  }

  private static void swap(float[] scores, int[] ids, int a, int b) {
    float score = scores[a];
    scores[a] = scores[b];
    scores[b] = score;
    int id = ids[a];
    ids[a] = ids[b];
    ids[b] = id;
  }
}
