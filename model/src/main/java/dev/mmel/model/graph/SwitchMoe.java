package dev.mmel.model.graph;

import dev.mmel.model.params.GateSite;
import dev.mmel.model.params.ParameterNames;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * SMoE(d_in -> d_out), spec 4: a softmax router over E experts, each Linear -> GELU -> Linear,
 * combined with gate weights. Experts are evaluated densely (E is small) and top-k selection is
 * done with pairwise rank comparisons instead of TopKV2, which has no gradient in TensorFlow's C
 * API; the selection masks carry no gradient, as in the reference (indices are not
 * differentiable there either).
 */
final class SwitchMoe {
  private final Layers layers;
  private final String unitPrefix;
  private final int experts;
  private final int topK;
  private final int positions;
  private final int frozenMeanBatch;

  SwitchMoe(Layers layers, String unitPrefix, int experts, int topK, int positions,
      int frozenMeanBatch) {
    this.layers = layers;
    this.unitPrefix = unitPrefix;
    this.experts = experts;
    this.topK = topK;
    this.positions = positions;
    this.frozenMeanBatch = frozenMeanBatch;
  }

  /**
   * @param x expert input [n,S,d_in]
   * @param routerInput same shape, feeds the router
   * @param recorder receives the site's batch mean of Q in faithful modes; may be null
   */
  Operand<TFloat32> apply(Operand<TFloat32> x, Operand<TFloat32> routerInput, Gating gating,
      GateSite site, GateRecorder recorder) {
    Operand<TFloat32> probabilities =
        layers.softmax(layers.linear(routerInput, ParameterNames.router(unitPrefix)));
    if (recorder != null && gating != Gating.PER_TOKEN) {
      recorder.record(site, layers.tf().math.mean(
          layers.mul(probabilities, faithfulMask(probabilities)), layers.axis(0)));
    }
    Operand<TFloat32> gates = gates(probabilities, gating,
        gating == Gating.FAITHFUL_FROZEN ? layers.param(site.parameterName()) : null);
    Operand<TFloat32> output = null;
    for (int c = 0; c < experts; c++) {
      Operand<TFloat32> hidden = layers.gelu(layers.linear(x, ParameterNames.expertIn(unitPrefix, c)));
      Operand<TFloat32> expertOut = layers.linear(hidden, ParameterNames.expertOut(unitPrefix, c));
      Operand<TFloat32> weighted = layers.mul(expertOut, layers.lastAxisSlice(gates, c, c + 1));
      output = output == null ? weighted : layers.add(output, weighted);
    }
    return output;
  }

  /** Expert weights [n,S,E] from router probabilities; frozenMean only for FAITHFUL_FROZEN. */
  Operand<TFloat32> gates(Operand<TFloat32> probabilities, Gating gating,
      Operand<TFloat32> frozenMean) {
    return switch (gating) {
      case PER_TOKEN -> perTokenGates(probabilities);
      case FAITHFUL_BATCH -> faithfulGates(probabilities, null);
      case FAITHFUL_FROZEN -> faithfulGates(probabilities, frozenMean);
    };
  }

  /**
   * rank[.., c] = experts ranked strictly above c, ties broken by lower index first, exactly as
   * a stable descending top-k orders them.
   */
  private Operand<TFloat32> ranks(Operand<TFloat32> probabilities) {
    Ops tf = layers.tf();
    Operand<TFloat32> mine = layers.expand(probabilities, -1);
    Operand<TFloat32> others = layers.expand(probabilities, -2);
    Operand<TFloat32> beats = tf.dtypes.cast(tf.math.greater(others, mine), TFloat32.class);
    float[][] lowerIndex = new float[experts][experts];
    for (int c = 0; c < experts; c++) {
      for (int j = 0; j < c; j++) {
        lowerIndex[c][j] = 1;
      }
    }
    Operand<TFloat32> ties = layers.mul(
        tf.dtypes.cast(tf.math.equal(others, mine), TFloat32.class), tf.constant(lowerIndex));
    return tf.stopGradient(layers.sum(layers.add(beats, ties), -1, false));
  }

  private Operand<TFloat32> perTokenGates(Operand<TFloat32> probabilities) {
    Ops tf = layers.tf();
    Operand<TFloat32> keep = tf.dtypes.cast(
        tf.math.less(ranks(probabilities), layers.scalar(topK)), TFloat32.class);
    Operand<TFloat32> kept = layers.mul(probabilities, keep);
    return tf.math.div(kept, layers.sum(kept, -1, true));
  }

  /**
   * M[i,s',c] = 1 when some position of item i has expert s' as its c-th choice (c < k); the
   * reference scatters expert indices along the sequence axis, hence this odd shape.
   */
  private Operand<TFloat32> faithfulMask(Operand<TFloat32> probabilities) {
    Ops tf = layers.tf();
    float[] choiceIndex = new float[topK];
    float[] expertIndex = new float[experts];
    for (int i = 0; i < experts; i++) {
      expertIndex[i] = i;
      if (i < topK) {
        choiceIndex[i] = i;
      }
    }
    // [n,S,E,k]: expert e is the c-th choice.
    Operand<TFloat32> isChoice = tf.dtypes.cast(tf.math.equal(
        layers.expand(ranks(probabilities), -1), tf.constant(choiceIndex)), TFloat32.class);
    // [n,S,k]: index of the c-th choice.
    Operand<TFloat32> chosen = layers.sum(
        layers.mul(isChoice, tf.reshape(tf.constant(expertIndex),
            tf.constant(new long[] {experts, 1}))), -2, false);
    // [n,S,k,E]: the c-th choice equals position s'.
    Operand<TFloat32> hits = tf.dtypes.cast(tf.math.equal(
        layers.expand(chosen, -1), tf.constant(expertIndex)), TFloat32.class);
    Operand<TFloat32> perChoice = layers.max(hits, 1, false);
    Operand<TFloat32> byPosition = tf.linalg.transpose(perChoice, layers.ints(0, 2, 1));
    return tf.stopGradient(tf.pad(byPosition,
        tf.constant(new int[][] {{0, 0}, {0, positions - experts}, {0, experts - topK}}),
        layers.scalar(0)));
  }

  private Operand<TFloat32> faithfulGates(Operand<TFloat32> probabilities,
      Operand<TFloat32> frozenMean) {
    Ops tf = layers.tf();
    Operand<TFloat32> masked = layers.mul(probabilities, faithfulMask(probabilities));
    Operand<TFloat32> gates;
    if (frozenMean == null) {
      Operand<TFloat32> count = tf.dtypes.cast(
          tf.stridedSlice(tf.shape(masked), org.tensorflow.ndarray.index.Indices.at(0)),
          TFloat32.class);
      Operand<TFloat32> total = layers.add(layers.sum(masked, 0, true), layers.scalar(1e-6));
      gates = tf.math.div(layers.mul(masked, count), total);
    } else {
      gates = tf.math.div(masked,
          layers.add(frozenMean, layers.scalar(1e-6 / frozenMeanBatch)));
    }
    return tf.select(tf.math.isNan(gates), tf.zerosLike(gates), gates);
  }
}
