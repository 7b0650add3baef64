package dev.mmel.model.graph;

import dev.mmel.model.config.MatcherInputs;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.tensor.TensorCodec;
import java.util.List;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The placeholders of one side (mentions or entities) of a training or evaluation graph, and the
 * matcher features computed from them: either a frozen backbone's outputs fed directly, or token
 * ids and pixels run through the CLIP towers in the same graph.
 */
final class SideInputs {
  private final MatcherInputs inputs;
  private final List<Placeholder<?>> placeholders;
  private final boolean features;
  private final int pixelSize;
  private final MmoeMatcher.SideFeatures sideFeatures;

  private SideInputs(MatcherInputs inputs, List<Placeholder<?>> placeholders, boolean features,
      int pixelSize, MmoeMatcher.SideFeatures sideFeatures) {
    this.inputs = inputs;
    this.placeholders = List.copyOf(placeholders);
    this.features = features;
    this.pixelSize = pixelSize;
    this.sideFeatures = sideFeatures;
  }

  static SideInputs features(Ops tf, MatcherInputs inputs, MmoeMatcher matcher, String prefix) {
    int l = inputs.positions();
    Placeholder<TFloat32> textCls = floats(tf, prefix + "_text_cls", -1, inputs.textWidth());
    Placeholder<TFloat32> textTokens =
        floats(tf, prefix + "_text_tokens", -1, l, inputs.textWidth());
    Placeholder<TFloat32> imageCls =
        floats(tf, prefix + "_image_cls", -1, inputs.imageClsWidth());
    Placeholder<TFloat32> imageTokens =
        floats(tf, prefix + "_image_tokens", -1, l, inputs.imageTokenWidth());
    return new SideInputs(inputs, List.of(textCls, textTokens, imageCls, imageTokens), true, 0,
        matcher.features(textCls, textTokens, imageCls, imageTokens));
  }

  static SideInputs tokens(MmoeGraph.Builder model, ModelConfig config, String prefix) {
    Placeholder<TInt32> ids = model.textIds(prefix + "_text_ids");
    Placeholder<TFloat32> pixels = model.pixels(prefix + "_pixels");
    List<Placeholder<?>> placeholders = pixels == null ? List.of(ids) : List.of(ids, pixels);
    return new SideInputs(config.matcherInputs(), placeholders, false,
        config.hasVision() ? config.vision().imageSize() : 0, model.features(ids, pixels));
  }

  private static Placeholder<TFloat32> floats(Ops tf, String name, long... shape) {
    return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
  }

  MmoeMatcher.SideFeatures sideFeatures() {
    return sideFeatures;
  }

  /** Feeds a batch; the created tensors are added to {@code fed} for the caller to close. */
  void feed(Session.Runner runner, SideBatch side, List<Tensor> fed) {
    List<Tensor> tensors;
    if (side instanceof SideBatch.Features f && features) {
      tensors = f.tensors(inputs);
    } else if (side instanceof SideBatch.Tokens t && !features) {
      // A text-only model (pixelSize 0) has no pixel placeholder: its images are ignored.
      tensors = pixelSize == 0 ? List.of(TensorCodec.ids(t.ids(), inputs.positions()))
          : List.of(TensorCodec.ids(t.ids(), inputs.positions()),
              TensorCodec.rows(t.pixels(), 3, pixelSize, pixelSize));
    } else {
      throw new IllegalArgumentException("this graph takes "
          + (features ? "backbone features" : "token ids and pixels") + ", got "
          + side.getClass().getSimpleName());
    }
    fed.addAll(tensors);
    for (int i = 0; i < placeholders.size(); i++) {
      runner.feed(placeholders.get(i), tensors.get(i));
    }
  }
}
