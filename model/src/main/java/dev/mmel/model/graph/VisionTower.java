package dev.mmel.model.graph;

import dev.mmel.model.config.ClipVisionConfig;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.params.ParameterNames;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * CLIP's vision transformer, from normalised pixels [n,3,H,W] to the projected, L2-normalised CLS
 * vector and the last hidden states (CLS + patches, no post-LayerNorm). The patch convolution has
 * stride equal to its kernel, so it is computed exactly as a reshape plus one matrix product.
 */
final class VisionTower {
  private final Layers layers;
  private final ClipVisionConfig vision;
  private final TransformerEncoder encoder;

  VisionTower(Layers layers, ModelConfig config) {
    this.layers = layers;
    this.vision = config.vision();
    this.encoder = new TransformerEncoder(layers, ParameterNames.VISION, vision.layers(),
        vision.width(), vision.heads(), vision.positions(), vision.activation());
  }

  record Output(Operand<TFloat32> projectedCls, Operand<TFloat32> hidden) {}

  Output apply(Operand<TFloat32> pixels) {
    Ops tf = layers.tf();
    int grid = vision.gridSize();
    int patch = vision.patchSize();
    int width = vision.width();
    int patchValues = 3 * patch * patch;
    String v = ParameterNames.VISION;

    Operand<TFloat32> blocks =
        tf.reshape(pixels, tf.constant(new long[] {-1, 3, grid, patch, grid, patch}));
    Operand<TFloat32> patches = tf.reshape(
        tf.linalg.transpose(blocks, layers.ints(0, 2, 4, 1, 3, 5)),
        tf.constant(new long[] {-1, patchValues}));
    Operand<TFloat32> kernel = tf.reshape(layers.param(v + "embeddings.patch_embedding.weight"),
        tf.constant(new long[] {width, patchValues}));
    Operand<TFloat32> patchEmbeddings = tf.reshape(
        tf.linalg.matMul(patches, kernel, org.tensorflow.op.linalg.MatMul.transposeB(true)),
        tf.constant(new long[] {-1, (long) grid * grid, width}));

    Operand<TFloat32> firstPatch = tf.slice(patchEmbeddings, layers.ints(0, 0, 0),
        layers.ints(-1, 1, width));
    Operand<TFloat32> cls = layers.add(tf.zerosLike(firstPatch),
        layers.param(v + "embeddings.class_embedding"));
    Operand<TFloat32> embedded = layers.add(layers.concat(1, cls, patchEmbeddings),
        layers.param(v + "embeddings.position_embedding.weight"));

    Operand<TFloat32> hidden =
        encoder.apply(layers.layerNorm(embedded, v + "pre_layrnorm"), null);
    Operand<TFloat32> pooled = layers.layerNorm(layers.position(hidden, 0), v + "post_layernorm");
    Operand<TFloat32> projected =
        layers.l2Normalize(layers.linearNoBias(pooled, ParameterNames.VISUAL_PROJECTION));
    return new Output(projected, hidden);
  }
}
