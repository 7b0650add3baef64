package dev.mmel.model.graph;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;

/**
 * An interval that holds I = (g2l_text + g2l_image) / 6 of every (mention, entity) pair, built
 * from small per-side summaries, so that exhaustive ranking settles most pairs from F alone.
 *
 * <p>Per unit, with P the centring of a vector, w = c * gamma and a = sqrt(d) P(w): LN(x) =
 * gamma * sqrt(d) phi(Px) + beta with phi(y) = y / sqrt(|y|^2 + d eps), so g2l = a . phi(Px) +
 * c . beta, and |a . phi| <= |a| because |phi| < 1. The pooled context x = sum_j abar_j Val_j
 * has weights abar_j (the mean over i of softmax rows) in the simplex, so Px lies within r of
 * the uniform-attention centre p = mean_j p_j (p_j = P Val_j): r <= max_j |p_j - p| always; and
 * when every logit |Qry_i . Key_j| / sqrt(d) is at most L (Cauchy-Schwarz on the largest row
 * norms of both sides), every abar_j lies in [e^-2L, e^2L] / J, so r <= (e^2L - 1) mean_j |p_j
 * - p| and r <= 2 (1 - e^-2L) max_j |p_j - p|. Finally |phi(y) - phi(p)| <= 2 |y - p| /
 * sqrt(|p|^2 + d eps), so g2l lies within |a| min(2, 2 r / sqrt(|p|^2 + d eps)) of a . phi(p) +
 * c . beta, which is one matrix product over all pairs.
 */
final class LocalTermBound {
  /** Caps L where e^2L would overflow float32; the radius cap has long taken over by then. */
  private static final double MAX_LOGIT_BOUND = 40;
  /** Widening, relative to the plain |I| bound, for float32 rounding of both sides. */
  private static final double ROUNDING = 1e-5;
  private static final int UNITS = 2;

  /** The two [m, n] limits: lower <= I <= upper for every pair. */
  record Interval(Operand<TFloat32> lower, Operand<TFloat32> upper) {}

  private LocalTermBound() {}

  static int entityWidth(int hidden) {
    return UNITS * (hidden + 3);
  }

  static int mentionWidth(int hidden) {
    return UNITS * (hidden + 4);
  }

  /** Per entity and unit: a (d), c . beta, |a|, max_i |Qry_i|. [n, d + 3]. */
  static Operand<TFloat32> entitySummary(Layers layers, Operand<TFloat32> c,
      Operand<TFloat32> query, String unitPrefix) {
    Ops tf = layers.tf();
    long d = c.shape().get(c.shape().numDimensions() - 1);
    Operand<TFloat32> w = layers.mul(c, layers.param(unitPrefix + "layer_norm.weight"));
    Operand<TFloat32> a = layers.scale(centre(tf, w), Math.sqrt(d));
    Operand<TFloat32> offset = layers.sum(
        layers.mul(c, layers.param(unitPrefix + "layer_norm.bias")), -1, true);
    Operand<TFloat32> maxQuery = layers.max(norms(layers, query, false), -1, true);
    return tf.concat(List.of(a, offset, norms(layers, a, true), maxQuery), layers.axis(-1));
  }

  /**
   * Per mention and unit: p / sqrt(|p|^2 + d eps) (d), sqrt(|p|^2 + d eps), max_j |p_j - p|,
   * mean_j |p_j - p|, max_j |Key_j|. [m, d + 4].
   */
  static Operand<TFloat32> mentionSummary(Layers layers, Operand<TFloat32> key,
      Operand<TFloat32> value, double layerNormEps) {
    Ops tf = layers.tf();
    long d = value.shape().get(2);
    Operand<TFloat32> rows = centre(tf, value);
    Operand<TFloat32> centre = layers.mean(rows, 1);
    Operand<TFloat32> centreNorm = tf.math.sqrt(layers.add(
        layers.sum(tf.math.square(centre), -1, true), layers.scalar(d * layerNormEps)));
    Operand<TFloat32> spread = norms(layers, tf.math.sub(rows, layers.expand(centre, 1)), false);
    return tf.concat(List.of(tf.math.div(centre, centreNorm), centreNorm,
        layers.max(spread, -1, true),
        tf.math.mean(spread, layers.axis(-1), Mean.keepDims(true)),
        layers.max(norms(layers, key, false), -1, true)), layers.axis(-1));
  }

  /** Limits of I for all pairs of m mention summaries and n entity summaries. */
  static Interval interval(Layers layers, Operand<TFloat32> mentions,
      Operand<TFloat32> entities, int hidden) {
    Ops tf = layers.tf();
    Operand<TFloat32> lower = null;
    Operand<TFloat32> upper = null;
    Operand<TFloat32> magnitude = null;
    for (int unit = 0; unit < UNITS; unit++) {
      int m0 = unit * (hidden + 4);
      int e0 = unit * (hidden + 3);
      Operand<TFloat32> direction = layers.lastAxisSlice(mentions, m0, m0 + hidden);
      Operand<TFloat32> centreNorm = column(layers, mentions, m0 + hidden);
      Operand<TFloat32> radius = column(layers, mentions, m0 + hidden + 1);
      Operand<TFloat32> meanSpread = column(layers, mentions, m0 + hidden + 2);
      Operand<TFloat32> maxKey = column(layers, mentions, m0 + hidden + 3);
      Operand<TFloat32> a = layers.lastAxisSlice(entities, e0, e0 + hidden);
      Operand<TFloat32> offset = row(layers, entities, e0 + hidden);
      Operand<TFloat32> norm = row(layers, entities, e0 + hidden + 1);
      Operand<TFloat32> maxQuery = row(layers, entities, e0 + hidden + 2);
      Operand<TFloat32> estimate =
          layers.add(tf.linalg.matMul(direction, a, MatMul.transposeB(true)), offset);
      Operand<TFloat32> logit = tf.math.minimum(
          layers.scale(layers.mul(maxKey, maxQuery), 1 / Math.sqrt(hidden)),
          layers.scalar(MAX_LOGIT_BOUND));
      Operand<TFloat32> twice = layers.scale(logit, 2);
      Operand<TFloat32> drift = tf.math.minimum(radius, tf.math.minimum(
          layers.mul(tf.math.expm1(twice), meanSpread),
          layers.mul(layers.scale(tf.math.expm1(tf.math.neg(twice)), -2), radius)));
      Operand<TFloat32> error = layers.mul(norm, tf.math.minimum(layers.scalar(2),
          layers.scale(tf.math.div(drift, centreNorm), 2)));
      Operand<TFloat32> low = tf.math.maximum(tf.math.sub(estimate, error),
          tf.math.sub(offset, norm));
      Operand<TFloat32> high = tf.math.minimum(layers.add(estimate, error),
          layers.add(offset, norm));
      Operand<TFloat32> size = layers.add(tf.math.abs(offset), norm);
      lower = lower == null ? low : layers.add(lower, low);
      upper = upper == null ? high : layers.add(upper, high);
      magnitude = magnitude == null ? size : layers.add(magnitude, size);
    }
    Operand<TFloat32> slack = layers.scale(magnitude, ROUNDING);
    return new Interval(layers.scale(tf.math.sub(lower, slack), 1.0 / 6),
        layers.scale(layers.add(upper, slack), 1.0 / 6));
  }

  private static Operand<TFloat32> centre(Ops tf, Operand<TFloat32> x) {
    return tf.math.sub(x, tf.math.mean(x, tf.constant(-1), Mean.keepDims(true)));
  }

  private static Operand<TFloat32> norms(Layers layers, Operand<TFloat32> x, boolean keepDims) {
    return layers.tf().math.sqrt(layers.sum(layers.tf().math.square(x), -1, keepDims));
  }

  /** Column k of [m, w] as [m, 1]. */
  private static Operand<TFloat32> column(Layers layers, Operand<TFloat32> x, int k) {
    return layers.lastAxisSlice(x, k, k + 1);
  }

  /** Column k of [n, w] as [1, n], to broadcast against [m, n]. */
  private static Operand<TFloat32> row(Layers layers, Operand<TFloat32> x, int k) {
    return layers.tf().reshape(layers.lastAxisSlice(x, k, k + 1),
        layers.tf().constant(new long[] {1, -1}));
  }
}
