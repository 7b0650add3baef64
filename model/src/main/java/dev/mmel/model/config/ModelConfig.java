package dev.mmel.model.config;

import dev.mmel.core.IndexSchema;

/**
 * Everything that fixes an MMoE model: the text tower (CLIP or BERT), the CLIP vision tower or
 * none, the shared projection width, the text context length, the matcher, and how raw images
 * and texts become its inputs. Validated here, once, so graph code can trust it.
 *
 * <p><b>Text-only models</b> ({@code vision == null}, e.g. the BERT presets) feed the matcher the
 * image side that frozen-backbone runs use: raw image features of matcher width d, all zeros
 * (image CLS [n,d], image tokens [n,L,d], L = context length). The spec's terms then become:
 * <ul>
 *   <li>v_cls = LN96(image_cls_fc(0)) = LN96(b_cls) and every row of v_tok = LN96(b_tok), where
 *       b_cls and b_tok are the biases of {@code encoder.image_cls_fc} / {@code image_tokens_fc}:
 *       the same constants for every item. They equal the LayerNorm's own bias only when the fc
 *       bias is constant across its d components (e.g. zero); in general they are the LayerNorm of
 *       that bias.
 *   <li>S_image: the vision unit sees the same 51 rows for every mention and entity, so c_e, Qry,
 *       Key, Val, ctx and g2l_image are the same for all items and g2g_image = |v_cls|^2. S_image
 *       is one constant for every pair (in {@code score_pairs} with the faithful batch-mean gate,
 *       constant within a call); CE(S_image) = ln B and gives no gradient.
 *   <li>S_cross still depends on the texts: W_i v_cls and W_i v_tok are constants, but SMoE_c
 *       routes them by the text (V' by T^, v' by t^), so h_ti and h_it vary per item.
 *   <li>The retrieval vectors' v_cls slot is constant (F gains |v_cls|^2 / 6 for every pair) and
 *       the image rerank features (image_c, image_query, image_key, image_value) are constants.
 *   <li>The fc weights multiply zeros and never get a gradient; their biases do, through S_cross.
 *       The vision unit's router sees two distinct rows (v_cls, and the v_tok row), so only the
 *       experts in their top-k are ever used; the others never get a gradient.
 * </ul>
 * The SavedModel of a text-only model has no pixel inputs; {@code MmoeModel} accepts and ignores
 * pixels for it, so callers that always send images keep working.
 */
public record ModelConfig(
    String name,
    TextTowerConfig text,
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
    ConfigChecks.notNull("matcher", matcher);
    ConfigChecks.notNull("preprocessing", preprocessing);
    ConfigChecks.positive("projection_dim", projectionDim);
    ConfigChecks.positive("context_length", contextLength);
    ConfigChecks.atMost("context_length", contextLength, text.maxPositions());
    ConfigChecks.epsilon("layer_norm_eps", layerNormEps);
    if (text.tokenizer() == TokenizerKind.CLIP_BPE && text.vocabSize() <= EOS_TOKEN) {
      throw new IllegalArgumentException("text.vocab_size must be > " + EOS_TOKEN
          + " to hold the CLIP tokenizer's ids, got " + text.vocabSize());
    }
    // The text unit concatenates t_cls (projected) and t_tok (hidden states) along the sequence;
    // a BERT tower has no projection, so its t_cls is already of text width.
    if (text.width() != projectionDim) {
      throw new IllegalArgumentException("text.width (" + text.width()
          + ") must equal projection_dim (" + projectionDim
          + "): the matcher stacks the text CLS with the text token states");
    }
    // InterMoE routes the text sequence by the image sequence position by position.
    if (vision != null && vision.positions() != contextLength) {
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

  /** Whether the model has an image tower; without one the image side is constant zeros. */
  public boolean hasVision() {
    return vision != null;
  }

  /** Image positions P of the matcher and of the image rerank features. */
  public int imagePositions() {
    return vision != null ? vision.positions() : contextLength;
  }

  /**
   * What the matcher sees of this backbone. With a vision tower: projected text, projected image
   * CLS, image token states; without: the image widths are the matcher width (fed zeros).
   */
  public MatcherInputs matcherInputs() {
    int d = matcher.hiddenDim();
    return vision != null
        ? new MatcherInputs(projectionDim, contextLength, projectionDim, vision.width(),
            layerNormEps, matcher)
        : new MatcherInputs(projectionDim, contextLength, d, d, layerNormEps, matcher);
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
        imagePositions());
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
