package dev.mmel.model.graph;

import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.params.ParameterNames;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Cumsum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * CLIP's text transformer, from padded token ids to t_cls (EOS-pooled, projected, L2-normalised)
 * and t_tok (all final hidden states, pads included). Causal plus padding mask as in CLIP; since
 * the pad id equals EOS, the valid positions are those up to and including the first EOS.
 */
final class TextTower implements TextEncoder {
  private static final float MASKED = -1e9f;

  private final Layers layers;
  private final ModelConfig config;
  private final TransformerEncoder encoder;

  TextTower(Layers layers, ModelConfig config) {
    this.layers = layers;
    this.config = config;
    this.encoder = new TransformerEncoder(layers, ParameterNames.TEXT, config.text().layers(),
        config.text().width(), config.text().heads(), config.contextLength(),
        config.text().activation());
  }

  @Override
  public Output apply(Operand<TInt32> ids) {
    Ops tf = layers.tf();
    int length = config.contextLength();
    int width = config.text().width();
    String t = ParameterNames.TEXT;
    Operand<TFloat32> tokens =
        tf.gather(layers.param(t + "embeddings.token_embedding.weight"), ids, layers.axis(0));
    Operand<TFloat32> positions = tf.slice(layers.param(t + "embeddings.position_embedding.weight"),
        layers.ints(0, 0), layers.ints(length, width));
    Operand<TFloat32> embedded = layers.add(tokens, positions);

    Operand<TFloat32> isEos = tf.dtypes.cast(
        tf.math.equal(ids, tf.constant(ModelConfig.EOS_TOKEN)), TFloat32.class);
    Operand<TFloat32> eosBefore = tf.math.cumsum(isEos, layers.axis(1), Cumsum.exclusive(true));
    Operand<TFloat32> valid = tf.dtypes.cast(
        tf.math.equal(eosBefore, layers.scalar(0)), TFloat32.class);
    Operand<TFloat32> firstEos = layers.mul(isEos, valid);

    Operand<TFloat32> hidden = layers.layerNorm(encoder.apply(embedded, attentionMask(valid)),
        t + "final_layer_norm");
    Operand<TFloat32> pooled = layers.sum(layers.mul(hidden, layers.expand(firstEos, -1)), 1, false);
    Operand<TFloat32> cls =
        layers.l2Normalize(layers.linearNoBias(pooled, ParameterNames.TEXT_PROJECTION));
    return new Output(cls, hidden);
  }

  /** [n,1,L,L]: 0 where query i may see key j (j <= i and j valid), a large negative elsewhere. */
  private Operand<TFloat32> attentionMask(Operand<TFloat32> valid) {
    Ops tf = layers.tf();
    int length = config.contextLength();
    float[][] causal = new float[length][length];
    for (int i = 0; i < length; i++) {
      for (int j = i + 1; j < length; j++) {
        causal[i][j] = MASKED;
      }
    }
    Operand<TFloat32> padding = layers.scale(
        tf.math.sub(layers.scalar(1), valid), MASKED);
    Operand<TFloat32> keyPadding = tf.reshape(padding, tf.constant(new long[] {-1, 1, 1, length}));
    return layers.add(keyPadding, tf.constant(causal));
  }
}
