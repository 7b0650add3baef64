package dev.mmel.model.graph;

import dev.mmel.model.config.BertTextConfig;
import dev.mmel.model.params.ParameterNames;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Cumsum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A BERT text encoder (bge-small-en-v1.5's architecture), from WordPiece ids padded with 0 to
 * t_cls (the [CLS] final hidden state, L2-normalised, no projection) and t_tok (the final hidden
 * states, pad positions zeroed). Post-LayerNorm blocks, padding mask only, one segment (token
 * type 0).
 *
 * <p>Pads are the trailing zeros, not every zero: a text that spells "[PAD]" gets id 0 in the
 * middle, and Hugging Face attends to it like any other token. With the mask, a text's states do
 * not depend on its padding, so t_tok equals the frozen-feature cache, where each text runs alone
 * and pad rows are zeros.
 */
final class BertTower implements TextEncoder {
  private static final float MASKED = -1e9f;

  private final Layers layers;
  private final BertTextConfig text;
  private final int length;
  private final SelfAttention attention;

  BertTower(Layers layers, BertTextConfig text, int contextLength) {
    this.layers = layers;
    this.text = text;
    this.length = contextLength;
    this.attention = new SelfAttention(layers, text.width(), text.heads(), contextLength);
  }

  @Override
  public Output apply(Operand<TInt32> ids) {
    Ops tf = layers.tf();
    int width = text.width();
    String e = ParameterNames.BERT_EMBEDDINGS;
    Operand<TFloat32> words =
        tf.gather(layers.param(e + "word_embeddings.weight"), ids, layers.axis(0));
    Operand<TFloat32> positions = tf.slice(layers.param(e + "position_embeddings.weight"),
        layers.ints(0, 0), layers.ints(length, width));
    Operand<TFloat32> segment = tf.slice(layers.param(e + "token_type_embeddings.weight"),
        layers.ints(0, 0), layers.ints(1, width));
    Operand<TFloat32> hidden = layerNorm(
        layers.add(layers.add(words, segment), positions), e + "LayerNorm");

    Operand<TFloat32> nonPad = tf.dtypes.cast(
        tf.math.notEqual(ids, tf.constant(0)), TFloat32.class);
    Operand<TFloat32> laterTokens = tf.math.cumsum(nonPad, layers.axis(1), Cumsum.reverse(true));
    Operand<TFloat32> valid = tf.dtypes.cast(
        tf.math.greater(laterTokens, layers.scalar(0)), TFloat32.class);
    Operand<TFloat32> keyMask = tf.reshape(
        layers.scale(tf.math.sub(layers.scalar(1), valid), MASKED),
        tf.constant(new long[] {-1, 1, 1, length}));

    for (int i = 0; i < text.layers(); i++) {
      hidden = block(hidden, ParameterNames.bertLayer(i), keyMask);
    }
    Operand<TFloat32> cls = layers.l2Normalize(layers.position(hidden, 0));
    return new Output(cls, layers.mul(hidden, layers.expand(valid, -1)));
  }

  private Operand<TFloat32> block(Operand<TFloat32> x, String prefix, Operand<TFloat32> keyMask) {
    String a = prefix + "attention.";
    Operand<TFloat32> attended = attention.apply(x, new SelfAttention.Projections(
        a + "self.query", a + "self.key", a + "self.value", a + "output.dense"), keyMask);
    Operand<TFloat32> hidden = layerNorm(layers.add(x, attended), a + "output.LayerNorm");
    Operand<TFloat32> inner = layers.activation(
        layers.linear(hidden, prefix + "intermediate.dense"), text.activation());
    return layerNorm(layers.add(hidden, layers.linear(inner, prefix + "output.dense")),
        prefix + "output.LayerNorm");
  }

  private Operand<TFloat32> layerNorm(Operand<TFloat32> x, String prefix) {
    return layers.layerNorm(x, prefix, text.layerNormEps());
  }
}
