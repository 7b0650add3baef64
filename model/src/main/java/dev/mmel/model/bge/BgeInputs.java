package dev.mmel.model.bge;

import java.util.Arrays;

/**
 * A padded batch for the bge ONNX model: {@code count} sequences of {@code positions} ids,
 * row-major, and their attention mask (1 on real tokens, 0 on padding). Token type ids are all
 * zero for single texts and are not stored.
 */
public record BgeInputs(int count, int positions, long[] inputIds, long[] attentionMask) {

  public BgeInputs {
    if (count < 1 || positions < 2) {
      throw new IllegalArgumentException("need count >= 1 and positions >= 2, got " + count + " and " + positions);
    }
    long size = (long) count * positions;
    if (inputIds.length != size || attentionMask.length != size) {
      throw new IllegalArgumentException("inputIds and attentionMask must hold count * positions = " + size
          + " values, got " + inputIds.length + " and " + attentionMask.length);
    }
  }

  static BgeInputs padded(int[][] sequences, int positions, int pad) {
    long[] ids = new long[sequences.length * positions];
    long[] mask = new long[ids.length];
    Arrays.fill(ids, pad);
    for (int row = 0; row < sequences.length; row++) {
      int[] sequence = sequences[row];
      if (sequence.length > positions) {
        throw new IllegalArgumentException("sequence " + row + " has " + sequence.length
            + " ids, more than the " + positions + " positions");
      }
      for (int p = 0; p < sequence.length; p++) {
        ids[row * positions + p] = sequence[p];
        mask[row * positions + p] = 1;
      }
    }
    return new BgeInputs(sequences.length, positions, ids, mask);
  }

  /** The number of real (unpadded) tokens of sequence {@code row}. */
  public int length(int row) {
    int length = 0;
    for (int p = 0; p < positions; p++) {
      length += (int) attentionMask[row * positions + p];
    }
    return length;
  }
}
