package dev.mmel.model.bge;

import java.util.Arrays;

/** A growable list of token ids, without boxing. */
final class IdList {
  private int[] ids = new int[64];
  private int size;

  void add(int id) {
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, size * 2);
    }
    ids[size++] = id;
  }

  int size() {
    return size;
  }

  void truncate(int newSize) {
    size = newSize;
  }

  int[] toArray() {
    return Arrays.copyOf(ids, size);
  }
}
