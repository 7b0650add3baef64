package dev.mmel.model.graph;

import dev.mmel.model.config.MatcherInputs;
import dev.mmel.model.tensor.TensorCodec;
import java.util.List;
import org.tensorflow.Tensor;

/** One side (mentions or entities) of a batch, in the form a graph's inputs take. */
public sealed interface SideBatch permits SideBatch.Features, SideBatch.Tokens {
  int count();

  /**
   * Backbone outputs, row-major: pooled text [n*T], text states [n*L*T], pooled image [n*Ic] and
   * image states [n*L*Iw]. Null image arrays mean "no image" and are fed as zeros.
   */
  record Features(int count, float[] textCls, float[] textTokens, float[] imageCls,
      float[] imageTokens) implements SideBatch {
    public Features {
      if (count < 1) {
        throw new IllegalArgumentException("a batch needs at least one item, got " + count);
      }
    }

    List<Tensor> tensors(MatcherInputs in) {
      int n = count;
      int l = in.positions();
      return List.of(
          TensorCodec.flat(checked("text_cls", textCls, (long) n * in.textWidth()), n,
              in.textWidth()),
          TensorCodec.flat(checked("text_tokens", textTokens, (long) n * l * in.textWidth()), n,
              l, in.textWidth()),
          TensorCodec.flat(orZeros("image_cls", imageCls, (long) n * in.imageClsWidth()), n,
              in.imageClsWidth()),
          TensorCodec.flat(orZeros("image_tokens", imageTokens,
              (long) n * l * in.imageTokenWidth()), n, l, in.imageTokenWidth()));
    }

    private static float[] checked(String field, float[] values, long expected) {
      if (values == null || values.length != expected) {
        throw new IllegalArgumentException(field + " must hold " + expected + " floats, got "
            + (values == null ? "none" : values.length));
      }
      return values;
    }

    private static float[] orZeros(String field, float[] values, long expected) {
      return values == null ? new float[Math.toIntExact(expected)]
          : checked(field, values, expected);
    }
  }

  /** CLIP inputs: token ids [n][L] and pixels [n][3*S*S] (a null row is a missing image). */
  record Tokens(int[][] ids, float[][] pixels) implements SideBatch {
    public Tokens {
      if (ids.length < 1 || ids.length != pixels.length) {
        throw new IllegalArgumentException("a batch needs as many pixel rows as id rows (>= 1): "
            + ids.length + " ids, " + pixels.length + " pixels");
      }
    }

    @Override
    public int count() {
      return ids.length;
    }
  }
}
