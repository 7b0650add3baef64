package dev.mmel.model.graph;

import dev.mmel.model.config.Activation;
import dev.mmel.model.params.ParameterNames;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/** The pre-LayerNorm transformer stack shared by CLIP's text and vision towers. */
final class TransformerEncoder {
  private final Layers layers;
  private final String towerPrefix;
  private final int depth;
  private final Activation activation;
  private final SelfAttention attention;

  TransformerEncoder(Layers layers, String towerPrefix, int depth, int width, int heads,
      int positions, Activation activation) {
    this.layers = layers;
    this.towerPrefix = towerPrefix;
    this.depth = depth;
    this.activation = activation;
    this.attention = new SelfAttention(layers, width, heads, positions);
  }

  /** @param additiveMask [n,1,S,S] added to attention logits, or null for full attention */
  Operand<TFloat32> apply(Operand<TFloat32> x, Operand<TFloat32> additiveMask) {
    Operand<TFloat32> hidden = x;
    for (int i = 0; i < depth; i++) {
      String prefix = ParameterNames.layer(towerPrefix, i);
      String a = prefix + "self_attn.";
      Operand<TFloat32> attended = attention.apply(layers.layerNorm(hidden, prefix + "layer_norm1"),
          new SelfAttention.Projections(a + "q_proj", a + "k_proj", a + "v_proj", a + "out_proj"),
          additiveMask);
      hidden = layers.add(hidden, attended);
      Operand<TFloat32> inner =
          layers.linear(layers.layerNorm(hidden, prefix + "layer_norm2"), prefix + "mlp.fc1");
      inner = layers.activation(inner, activation);
      hidden = layers.add(hidden, layers.linear(inner, prefix + "mlp.fc2"));
    }
    return hidden;
  }
}
