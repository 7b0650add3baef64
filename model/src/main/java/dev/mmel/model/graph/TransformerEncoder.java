package dev.mmel.model.graph;

import dev.mmel.model.config.Activation;
import dev.mmel.model.params.ParameterNames;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** The pre-LayerNorm transformer stack shared by CLIP's text and vision towers. */
final class TransformerEncoder {
  private final Layers layers;
  private final String towerPrefix;
  private final int depth;
  private final int width;
  private final int heads;
  private final int positions;
  private final Activation activation;

  TransformerEncoder(Layers layers, String towerPrefix, int depth, int width, int heads,
      int positions, Activation activation) {
    this.layers = layers;
    this.towerPrefix = towerPrefix;
    this.depth = depth;
    this.width = width;
    this.heads = heads;
    this.positions = positions;
    this.activation = activation;
  }

  /** @param additiveMask [n,1,S,S] added to attention logits, or null for full attention */
  Operand<TFloat32> apply(Operand<TFloat32> x, Operand<TFloat32> additiveMask) {
    Operand<TFloat32> hidden = x;
    for (int i = 0; i < depth; i++) {
      String prefix = ParameterNames.layer(towerPrefix, i);
      Operand<TFloat32> attended =
          selfAttention(layers.layerNorm(hidden, prefix + "layer_norm1"), prefix, additiveMask);
      hidden = layers.add(hidden, attended);
      Operand<TFloat32> inner =
          layers.linear(layers.layerNorm(hidden, prefix + "layer_norm2"), prefix + "mlp.fc1");
      inner = activation == Activation.QUICK_GELU ? layers.quickGelu(inner) : layers.gelu(inner);
      hidden = layers.add(hidden, layers.linear(inner, prefix + "mlp.fc2"));
    }
    return hidden;
  }

  private Operand<TFloat32> selfAttention(Operand<TFloat32> x, String prefix,
      Operand<TFloat32> additiveMask) {
    Ops tf = layers.tf();
    int headDim = width / heads;
    Operand<TFloat32> q = layers.scale(layers.linear(x, prefix + "self_attn.q_proj"),
        Math.pow(headDim, -0.5));
    Operand<TFloat32> k = layers.linear(x, prefix + "self_attn.k_proj");
    Operand<TFloat32> v = layers.linear(x, prefix + "self_attn.v_proj");
    Operand<TFloat32> logits = layers.batchMatMul(splitHeads(q), splitHeads(k), true);
    if (additiveMask != null) {
      logits = layers.add(logits, additiveMask);
    }
    Operand<TFloat32> context = layers.batchMatMul(layers.softmax(logits), splitHeads(v), false);
    Operand<TFloat32> merged = tf.reshape(
        tf.linalg.transpose(context, layers.ints(0, 2, 1, 3)),
        tf.constant(new long[] {-1, positions, width}));
    return layers.linear(merged, prefix + "self_attn.out_proj");
  }

  /** [n,S,W] -> [n,H,S,W/H]. */
  private Operand<TFloat32> splitHeads(Operand<TFloat32> x) {
    Ops tf = layers.tf();
    Operand<TFloat32> split =
        tf.reshape(x, tf.constant(new long[] {-1, positions, heads, width / heads}));
    return tf.linalg.transpose(split, layers.ints(0, 2, 1, 3));
  }
}
