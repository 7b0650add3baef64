package dev.mmel.model.params;

import dev.mmel.model.config.BertTextConfig;
import dev.mmel.model.config.ClipTextConfig;
import dev.mmel.model.config.ClipVisionConfig;
import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.MatcherInputs;
import dev.mmel.model.config.ModelConfig;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every parameter a config implies, in a fixed order. The random initialisers follow Hugging
 * Face's CLIP (or BERT) init for the backbone and PyTorch's Linear/LayerNorm defaults for the
 * rest, so a random model behaves like a freshly built reference model.
 */
public final class ParameterLayout {
  private final Map<String, ParameterSpec> specs;

  private ParameterLayout(Map<String, ParameterSpec> specs) {
    this.specs = Collections.unmodifiableMap(specs);
  }

  public static ParameterLayout of(ModelConfig config) {
    Builder builder = new Builder();
    if (config.text() instanceof BertTextConfig bert) {
      addBert(builder, bert);
    } else {
      addText(builder, (ClipTextConfig) config.text(), config.projectionDim());
    }
    if (config.hasVision()) {
      addVision(builder, config.vision(), config.projectionDim());
    }
    if (config.text() instanceof ClipTextConfig) {
      builder.add(ParameterNames.LOGIT_SCALE, ParameterGroup.BACKBONE,
          Initializer.constant(Math.log(1 / 0.07)));
    }
    addHead(builder, config.matcherInputs());
    return new ParameterLayout(builder.specs);
  }

  /**
   * Only what sits on top of a backbone: the image projections, the matcher and (faithful gate)
   * the frozen means. This is all a model over a frozen external backbone owns.
   */
  public static ParameterLayout head(MatcherInputs inputs) {
    Builder builder = new Builder();
    addHead(builder, inputs);
    return new ParameterLayout(builder.specs);
  }

  private static void addHead(Builder builder, MatcherInputs inputs) {
    int d = inputs.matcher().hiddenDim();
    builder.group = ParameterGroup.PROJECTIONS;
    builder.torchLinear(ParameterNames.IMAGE_CLS_FC, inputs.imageClsWidth(), d);
    builder.torchLinear(ParameterNames.IMAGE_TOKENS_FC, inputs.imageTokenWidth(), d);
    addMatcher(builder, inputs);
    if (inputs.matcher().gateMode() == GateMode.FAITHFUL) {
      builder.group = ParameterGroup.GATE_STATISTICS;
      for (GateSite site : GateSite.values()) {
        builder.add(site.parameterName(), ParameterGroup.GATE_STATISTICS,
            Initializer.constant(1.0 / inputs.matcher().experts()),
            inputs.unitPositions(), inputs.matcher().experts());
      }
    }
  }

  private static void addText(Builder b, ClipTextConfig text, int projectionDim) {
    b.group = ParameterGroup.BACKBONE;
    String t = ParameterNames.TEXT;
    b.add(t + "embeddings.token_embedding.weight", ParameterGroup.BACKBONE,
        Initializer.normal(0.02), text.vocabSize(), text.width());
    b.add(t + "embeddings.position_embedding.weight", ParameterGroup.BACKBONE,
        Initializer.normal(0.02), text.maxPositions(), text.width());
    for (int i = 0; i < text.layers(); i++) {
      b.clipLayer(ParameterNames.layer(t, i), text.width(), text.intermediateSize(),
          text.layers());
    }
    b.layerNorm(t + "final_layer_norm", text.width());
    b.add(ParameterNames.TEXT_PROJECTION, ParameterGroup.BACKBONE,
        Initializer.normal(Math.pow(text.width(), -0.5)), projectionDim, text.width());
  }

  /** Hugging Face BertModel without its pooler; init as BertPreTrainedModel (normal 0.02). */
  private static void addBert(Builder b, BertTextConfig text) {
    b.group = ParameterGroup.BACKBONE;
    String e = ParameterNames.BERT_EMBEDDINGS;
    int w = text.width();
    b.add(e + "word_embeddings.weight", ParameterGroup.BACKBONE, Initializer.normal(0.02),
        text.vocabSize(), w);
    b.add(e + "position_embeddings.weight", ParameterGroup.BACKBONE, Initializer.normal(0.02),
        text.maxPositions(), w);
    b.add(e + "token_type_embeddings.weight", ParameterGroup.BACKBONE, Initializer.normal(0.02),
        text.typeVocabSize(), w);
    b.layerNorm(e + "LayerNorm", w);
    for (int i = 0; i < text.layers(); i++) {
      String prefix = ParameterNames.bertLayer(i);
      for (String proj : List.of("query", "key", "value")) {
        b.bertLinear(prefix + "attention.self." + proj, w, w);
      }
      b.bertLinear(prefix + "attention.output.dense", w, w);
      b.layerNorm(prefix + "attention.output.LayerNorm", w);
      b.bertLinear(prefix + "intermediate.dense", w, text.intermediateSize());
      b.bertLinear(prefix + "output.dense", text.intermediateSize(), w);
      b.layerNorm(prefix + "output.LayerNorm", w);
    }
  }

  private static void addVision(Builder b, ClipVisionConfig vision, int projectionDim) {
    String v = ParameterNames.VISION;
    int w = vision.width();
    b.add(v + "embeddings.class_embedding", ParameterGroup.BACKBONE,
        Initializer.normal(Math.pow(w, -0.5)), w);
    b.add(v + "embeddings.patch_embedding.weight", ParameterGroup.BACKBONE,
        Initializer.normal(0.02), w, 3, vision.patchSize(), vision.patchSize());
    b.add(v + "embeddings.position_embedding.weight", ParameterGroup.BACKBONE,
        Initializer.normal(0.02), vision.positions(), w);
    b.layerNorm(v + "pre_layrnorm", w);
    for (int i = 0; i < vision.layers(); i++) {
      b.clipLayer(ParameterNames.layer(v, i), w, vision.intermediateSize(), vision.layers());
    }
    b.layerNorm(v + "post_layernorm", w);
    b.add(ParameterNames.VISUAL_PROJECTION, ParameterGroup.BACKBONE,
        Initializer.normal(Math.pow(w, -0.5)), projectionDim, w);
  }

  private static void addMatcher(Builder b, MatcherInputs config) {
    b.group = ParameterGroup.MATCHER;
    int t = config.textWidth();
    int d = config.matcher().hiddenDim();
    String m = ParameterNames.MATCHER;
    b.layerNorm(m + "text_cls_layernorm", t);
    b.layerNorm(m + "text_tokens_layernorm", t);
    b.layerNorm(m + "image_cls_layernorm", d);
    b.layerNorm(m + "image_tokens_layernorm", d);
    for (String unit : List.of(ParameterNames.TEXT_UNIT, ParameterNames.VISION_UNIT)) {
      int in = unit.equals(ParameterNames.TEXT_UNIT) ? t : d;
      b.switchMoe(unit, in, d, config.matcher().experts());
      b.torchLinear(unit + "fc_query", d, d);
      b.torchLinear(unit + "fc_key", d, d);
      b.torchLinear(unit + "fc_value", d, d);
      b.layerNorm(unit + "layer_norm", d);
    }
    String c = ParameterNames.CROSS_UNIT;
    b.torchLinear(c + "text_fc", t, d);
    b.torchLinear(c + "image_fc", d, d);
    b.torchLinear(c + "gate_fc", d, 1);
    b.layerNorm(c + "gate_layer_norm", d);
    // Present in the reference checkpoint but unused by its forward pass (spec 6 lists no use).
    b.layerNorm(c + "context_layer_norm", d);
    b.switchMoe(c, d, d, config.matcher().experts());
  }

  public List<ParameterSpec> specs() {
    return List.copyOf(specs.values());
  }

  public ParameterSpec spec(String name) {
    ParameterSpec spec = specs.get(name);
    if (spec == null) {
      throw new IllegalArgumentException("the model has no parameter named '" + name + "'");
    }
    return spec;
  }

  public boolean contains(String name) {
    return specs.containsKey(name);
  }

  public Map<ParameterGroup, Long> countsByGroup() {
    Map<ParameterGroup, Long> counts = new EnumMap<>(ParameterGroup.class);
    for (ParameterGroup group : ParameterGroup.values()) {
      counts.put(group, 0L);
    }
    for (ParameterSpec spec : specs.values()) {
      counts.merge(spec.group(), spec.size(), Long::sum);
    }
    return counts;
  }

  public long totalCount() {
    return specs.values().stream().mapToLong(ParameterSpec::size).sum();
  }

  private static final class Builder {
    private final Map<String, ParameterSpec> specs = new LinkedHashMap<>();
    private ParameterGroup group = ParameterGroup.BACKBONE;

    void add(String name, ParameterGroup g, Initializer init, long... shape) {
      if (specs.put(name, new ParameterSpec(name, shape, g, init)) != null) {
        throw new IllegalStateException("duplicate parameter " + name);
      }
    }

    void layerNorm(String prefix, int width) {
      add(prefix + ".weight", group, Initializer.constant(1), width);
      add(prefix + ".bias", group, Initializer.constant(0), width);
    }

    /** HF CLIP init: zero biases, depth-scaled normal weights. */
    void clipLinear(String prefix, int in, int out, double std) {
      add(prefix + ".weight", group, Initializer.normal(std), out, in);
      add(prefix + ".bias", group, Initializer.constant(0), out);
    }

    /** HF BERT init: normal(0.02) weights, zero biases. */
    void bertLinear(String prefix, int in, int out) {
      add(prefix + ".weight", group, Initializer.normal(0.02), out, in);
      add(prefix + ".bias", group, Initializer.constant(0), out);
    }

    /** PyTorch nn.Linear default: U(+-1/sqrt(in)) for weight and bias. */
    void torchLinear(String prefix, int in, int out) {
      double bound = 1 / Math.sqrt(in);
      add(prefix + ".weight", group, Initializer.uniform(bound), out, in);
      add(prefix + ".bias", group, Initializer.uniform(bound), out);
    }

    void clipLayer(String prefix, int width, int intermediate, int layers) {
      double inProjStd = Math.pow(width, -0.5) * Math.pow(2.0 * layers, -0.5);
      double outProjStd = Math.pow(width, -0.5);
      double fcStd = Math.pow(2.0 * width, -0.5);
      for (String proj : List.of("q_proj", "k_proj", "v_proj")) {
        clipLinear(prefix + "self_attn." + proj, width, width, inProjStd);
      }
      clipLinear(prefix + "self_attn.out_proj", width, width, outProjStd);
      layerNorm(prefix + "layer_norm1", width);
      clipLinear(prefix + "mlp.fc1", width, intermediate, fcStd);
      clipLinear(prefix + "mlp.fc2", intermediate, width, inProjStd);
      layerNorm(prefix + "layer_norm2", width);
    }

    void switchMoe(String unit, int in, int out, int experts) {
      torchLinear(ParameterNames.router(unit), in, experts);
      for (int c = 0; c < experts; c++) {
        torchLinear(ParameterNames.expertIn(unit, c), in, 4 * in);
        torchLinear(ParameterNames.expertOut(unit, c), 4 * in, out);
      }
    }
  }
}
