package dev.mmel.model.text;

import java.util.Arrays;

/**
 * Immutable-after-build map from a pair of token ids to its BPE merge rank, open addressing over
 * primitive arrays so that the merge loop never boxes or hashes strings.
 */
final class PairRankMap {

  static final int ABSENT = -1;

  private final long[] keys;
  private final int[] ranks;
  private final int mask;
  private int size;

  PairRankMap(int expectedSize) {
    int capacity = Integer.highestOneBit(Math.max(4, expectedSize * 2 - 1)) << 1;
    keys = new long[capacity];
    ranks = new int[capacity];
    Arrays.fill(ranks, ABSENT);
    mask = capacity - 1;
  }

  private static long key(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFFFFFFL);
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  /** Returns false, leaving the map as it was, if the pair already has a rank. */
  boolean putIfAbsent(int left, int right, int rank) {
    if (size * 2 >= keys.length) {
      throw new IllegalStateException("PairRankMap is full: built for fewer pairs than " + (size + 1));
    }
    long k = key(left, right);
    for (int i = slot(k); ; i = (i + 1) & mask) {
      if (ranks[i] == ABSENT) {
        keys[i] = k;
        ranks[i] = rank;
        size++;
        return true;
      }
      if (keys[i] == k) {
        return false;
      }
    }
  }

  /** The rank of merging {@code left} then {@code right}, or {@link #ABSENT}. */
  int rank(int left, int right) {
    long k = key(left, right);
    for (int i = slot(k); ; i = (i + 1) & mask) {
      int r = ranks[i];
      if (r == ABSENT || keys[i] == k) {
        return r;
      }
    }
  }
}
