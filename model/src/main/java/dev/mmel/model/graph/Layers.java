package dev.mmel.model.graph;

import dev.mmel.model.config.Activation;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Constant;
import org.tensorflow.op.core.ReduceMax;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Numeric building blocks over the model's variables. PyTorch conventions are kept on purpose:
 * linear weights are stored [out, in] and multiplied transposed, so imported tensors need no
 * rearranging.
 */
final class Layers {
  private final Ops tf;
  private final ModelParameters params;
  private final float layerNormEps;

  Layers(Ops tf, ModelParameters params, double layerNormEps) {
    this.tf = tf;
    this.params = params;
    this.layerNormEps = (float) layerNormEps;
  }

  Ops tf() {
    return tf;
  }

  Operand<TFloat32> param(String name) {
    return params.get(name);
  }

  Constant<TFloat32> scalar(double value) {
    return tf.constant((float) value);
  }

  Constant<TInt32> axis(int axis) {
    return tf.constant(axis);
  }

  Constant<TInt32> ints(int... values) {
    return tf.constant(values);
  }

  /** x[..., in] times W^T plus b, for any rank; W is [out, in] as in PyTorch. */
  Operand<TFloat32> linear(Operand<TFloat32> x, String prefix) {
    return tf.math.add(linearNoBias(x, prefix + ".weight"), param(prefix + ".bias"));
  }

  Operand<TFloat32> linearNoBias(Operand<TFloat32> x, String weightName) {
    Operand<TFloat32> weight = param(weightName);
    long in = weight.shape().get(1);
    long out = weight.shape().get(0);
    if (x.shape().numDimensions() == 2) {
      return tf.linalg.matMul(x, weight, MatMul.transposeB(true));
    }
    Operand<TFloat32> flat = tf.reshape(x, tf.constant(new long[] {-1, in}));
    Operand<TFloat32> product = tf.linalg.matMul(flat, weight, MatMul.transposeB(true));
    Operand<TInt32> leading = tf.stridedSlice(tf.shape(x), ints(0), ints(-1), ints(1));
    Operand<TInt32> outShape = tf.concat(List.of(leading, ints((int) out)), axis(0));
    return tf.reshape(product, outShape);
  }

  Operand<TFloat32> layerNorm(Operand<TFloat32> x, String prefix) {
    return layerNorm(x, prefix, layerNormEps);
  }

  /** For a tower whose LayerNorms have their own epsilon (BERT's 1e-12). */
  Operand<TFloat32> layerNorm(Operand<TFloat32> x, String prefix, double eps) {
    Operand<TFloat32> mean = tf.math.mean(x, axis(-1), Mean.keepDims(true));
    Operand<TFloat32> centered = tf.math.sub(x, mean);
    Operand<TFloat32> variance =
        tf.math.mean(tf.math.square(centered), axis(-1), Mean.keepDims(true));
    Operand<TFloat32> normalised = tf.math.mul(centered,
        tf.math.rsqrt(tf.math.add(variance, tf.constant((float) eps))));
    return tf.math.add(tf.math.mul(normalised, param(prefix + ".weight")),
        param(prefix + ".bias"));
  }

  /** GELU in its exact erf form, as PyTorch's nn.GELU(). */
  Operand<TFloat32> gelu(Operand<TFloat32> x) {
    Operand<TFloat32> erf = tf.math.erf(tf.math.mul(x, scalar(1 / Math.sqrt(2))));
    return tf.math.mul(tf.math.mul(x, scalar(0.5)), tf.math.add(erf, scalar(1)));
  }

  Operand<TFloat32> activation(Operand<TFloat32> x, Activation activation) {
    return activation == Activation.QUICK_GELU ? quickGelu(x) : gelu(x);
  }

  /** CLIP's x * sigmoid(1.702 x). */
  Operand<TFloat32> quickGelu(Operand<TFloat32> x) {
    return tf.math.mul(x, tf.math.sigmoid(tf.math.mul(x, scalar(1.702))));
  }

  /** Divides by the L2 norm of the last axis, floored like torch.nn.functional.normalize. */
  Operand<TFloat32> l2Normalize(Operand<TFloat32> x) {
    Operand<TFloat32> squared = sum(tf.math.square(x), -1, true);
    return tf.math.mul(x, tf.math.rsqrt(tf.math.maximum(squared, scalar(1e-24))));
  }

  Operand<TFloat32> sum(Operand<TFloat32> x, int axis, boolean keepDims) {
    return tf.reduceSum(x, axis(axis), ReduceSum.keepDims(keepDims));
  }

  Operand<TFloat32> max(Operand<TFloat32> x, int axis, boolean keepDims) {
    return tf.reduceMax(x, axis(axis), ReduceMax.keepDims(keepDims));
  }

  Operand<TFloat32> mean(Operand<TFloat32> x, int axis) {
    return tf.math.mean(x, axis(axis));
  }

  Operand<TFloat32> softmax(Operand<TFloat32> x) {
    return tf.nn.softmax(x);
  }

  Operand<TFloat32> mul(Operand<TFloat32> a, Operand<TFloat32> b) {
    return tf.math.mul(a, b);
  }

  Operand<TFloat32> add(Operand<TFloat32> a, Operand<TFloat32> b) {
    return tf.math.add(a, b);
  }

  Operand<TFloat32> scale(Operand<TFloat32> x, double factor) {
    return tf.math.mul(x, scalar(factor));
  }

  Operand<TFloat32> expand(Operand<TFloat32> x, int axis) {
    return tf.expandDims(x, axis(axis));
  }

  Operand<TFloat32> concat(int axis, Operand<TFloat32> first, Operand<TFloat32> second) {
    return tf.concat(List.of(first, second), axis(axis));
  }

  /** Batched a @ b (or a @ b^T), with a leading batch dimension on both. */
  Operand<TFloat32> batchMatMul(Operand<TFloat32> a, Operand<TFloat32> b, boolean transposeB) {
    return tf.train.batchMatMul(a, b, TFloat32.class, BatchMatMul.adjY(transposeB));
  }

  /** x[:, index]: the item's vector at one sequence position. */
  Operand<TFloat32> position(Operand<TFloat32> x, int index) {
    return tf.stridedSlice(x, Indices.all(), Indices.at(index));
  }

  /** x[:, from:]. */
  Operand<TFloat32> positionsFrom(Operand<TFloat32> x, int from) {
    return tf.stridedSlice(x, Indices.all(), Indices.sliceFrom(from));
  }

  /** x[..., from:to] along the last axis of any rank. */
  Operand<TFloat32> lastAxisSlice(Operand<TFloat32> x, int from, int to) {
    return tf.stridedSlice(x, Indices.ellipsis(), Indices.slice(from, to));
  }
}
