package dev.mmel.model.config;

import dev.mmel.core.IndexSchema;

/**
 * Everything that fixes an MMoE model: the CLIP towers, the shared projection width, the text
 * context length, the matcher, and how raw images and texts become its inputs. Validated here,
 * once, so graph code can trust it.
 */
public record ModelConfig(
    String name,
    ClipTextConfig text,
    ClipVisionConfig vision,
    int projectionDim,
    int contextLength,
    double layerNormEps,
    MatcherConfig matcher,
    InputPreprocessing preprocessing) {

  public static final int BOS_TOKEN = 49406;
  public static final int EOS_TOKEN = 49407;

  public ModelConfig {
    ConfigChecks.notNull("name", name);
    ConfigChecks.notNull("text", text);
    ConfigChecks.notNull("vision", vision);
    ConfigChecks.notNull("matcher", matcher);
    ConfigChecks.notNull("preprocessing", preprocessing);
    ConfigChecks.positive("projection_dim", projectionDim);
    ConfigChecks.positive("context_length", contextLength);
    ConfigChecks.atMost("context_length", contextLength, text.maxPositions());
    if (!(layerNormEps > 0 && layerNormEps < 1)) {
      throw new IllegalArgumentException("layer_norm_eps must be in (0, 1), got " + layerNormEps);
    }
    if (text.vocabSize() <= EOS_TOKEN) {
      throw new IllegalArgumentException("text.vocab_size must be > " + EOS_TOKEN
          + " to hold the CLIP tokenizer's ids, got " + text.vocabSize());
    }
    // The text unit concatenates t_cls (projected) and t_tok (hidden states) along the sequence.
    if (text.width() != projectionDim) {
      throw new IllegalArgumentException("text.width (" + text.width()
          + ") must equal projection_dim (" + projectionDim
          + "): the matcher stacks the projected text CLS with the text token states");
    }
    // InterMoE routes the text sequence by the image sequence position by position.
    if (vision.positions() != contextLength) {
      throw new IllegalArgumentException("vision positions ((image_size/patch_size)^2 + 1 = "
          + vision.positions() + ") must equal context_length (" + contextLength
          + "): InterMoE routes text and image tokens position by position");
    }
    // The faithful gate scatters expert indices onto sequence positions 0..experts-1.
    if (contextLength + 1 < matcher.experts()) {
      throw new IllegalArgumentException("context_length + 1 (" + (contextLength + 1)
          + ") must be >= matcher.experts (" + matcher.experts() + ")");
    }
  }

  /** What the matcher sees of this backbone: projected text, projected image CLS, image tokens. */
  public MatcherInputs matcherInputs() {
    return new MatcherInputs(projectionDim, contextLength, projectionDim, vision.width(),
        layerNormEps, matcher);
  }

  /** Positions of a matcher unit's input: the pooled vector followed by the token sequence. */
  public int unitPositions() {
    return matcherInputs().unitPositions();
  }

  /** Width of the retrieval vectors q_m and e_e (spec 9): t_cls, v_cls, h_ti, h_it. */
  public int retrievalDim() {
    return matcherInputs().retrievalDim();
  }

  /** Shapes of what the entity encoder produces and an index stores (spec 9). */
  public IndexSchema indexSchema() {
    return new IndexSchema(retrievalDim(), matcher.hiddenDim(), contextLength,
        vision.positions());
  }

  public ModelConfig withMatcher(MatcherConfig newMatcher) {
    return new ModelConfig(name, text, vision, projectionDim, contextLength, layerNormEps,
        newMatcher, preprocessing);
  }

  public ModelConfig withPreprocessing(InputPreprocessing newPreprocessing) {
    return new ModelConfig(name, text, vision, projectionDim, contextLength, layerNormEps,
        matcher, newPreprocessing);
  }
}
