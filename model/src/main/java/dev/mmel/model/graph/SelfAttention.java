package dev.mmel.model.graph;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Multi-head scaled dot-product self-attention over [n,S,W], shared by the CLIP and BERT blocks;
 * only the names of the four projections differ between them.
 */
final class SelfAttention {
  /** Parameter prefixes of the query, key, value and output projections of one block. */
  record Projections(String query, String key, String value, String output) {}

  private final Layers layers;
  private final int width;
  private final int heads;
  private final int positions;

  SelfAttention(Layers layers, int width, int heads, int positions) {
    this.layers = layers;
    this.width = width;
    this.heads = heads;
    this.positions = positions;
  }

  /** @param additiveMask [n,1,S,S] or [n,1,1,S] added to the logits, or null for none */
  Operand<TFloat32> apply(Operand<TFloat32> x, Projections names,
      Operand<TFloat32> additiveMask) {
    Ops tf = layers.tf();
    int headDim = width / heads;
    Operand<TFloat32> q = layers.scale(layers.linear(x, names.query()), Math.pow(headDim, -0.5));
    Operand<TFloat32> k = layers.linear(x, names.key());
    Operand<TFloat32> v = layers.linear(x, names.value());
    Operand<TFloat32> logits = layers.batchMatMul(splitHeads(q), splitHeads(k), true);
    if (additiveMask != null) {
      logits = layers.add(logits, additiveMask);
    }
    Operand<TFloat32> context = layers.batchMatMul(layers.softmax(logits), splitHeads(v), false);
    Operand<TFloat32> merged = tf.reshape(
        tf.linalg.transpose(context, layers.ints(0, 2, 1, 3)),
        tf.constant(new long[] {-1, positions, width}));
    return layers.linear(merged, names.output());
  }

  /** [n,S,W] -> [n,H,S,W/H]. */
  private Operand<TFloat32> splitHeads(Operand<TFloat32> x) {
    Ops tf = layers.tf();
    Operand<TFloat32> split =
        tf.reshape(x, tf.constant(new long[] {-1, positions, heads, width / heads}));
    return tf.linalg.transpose(split, layers.ints(0, 2, 1, 3));
  }
}
