package dev.mmel.model.image;

/**
 * Source rows of an image as packed {@code 0xRRGGBB} ints, read one at a time so that a large
 * decoded image never needs a second full-size copy.
 */
@FunctionalInterface
interface RgbRows {
  /** Writes the {@code row.length} pixels of row {@code y} into {@code row}. */
  void read(int y, int[] row);
}
