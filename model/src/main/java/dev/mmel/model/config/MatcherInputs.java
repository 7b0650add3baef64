package dev.mmel.model.config;

/**
 * The shapes the matcher (spec 1's LayerNorms, projections and spec 4-7) consumes, whatever
 * backbone produced them: pooled text width and token states [positions, textWidth], the image's
 * pooled vector and token states [positions, imageTokenWidth]. CLIP derives them from its towers;
 * a frozen external text backbone (bge-small) states them directly.
 */
public record MatcherInputs(
    int textWidth,
    int positions,
    int imageClsWidth,
    int imageTokenWidth,
    double layerNormEps,
    MatcherConfig matcher) {

  public MatcherInputs {
    ConfigChecks.positive("text_width", textWidth);
    ConfigChecks.positive("positions", positions);
    ConfigChecks.positive("image_cls_width", imageClsWidth);
    ConfigChecks.positive("image_token_width", imageTokenWidth);
    ConfigChecks.notNull("matcher", matcher);
    if (!(layerNormEps > 0 && layerNormEps < 1)) {
      throw new IllegalArgumentException("layer_norm_eps must be in (0, 1), got " + layerNormEps);
    }
    // The faithful gate scatters expert indices onto sequence positions 0..experts-1.
    if (positions + 1 < matcher.experts()) {
      throw new IllegalArgumentException("positions + 1 (" + (positions + 1)
          + ") must be >= matcher.experts (" + matcher.experts() + ")");
    }
  }

  /** Positions of a matcher unit's input: the pooled vector followed by the token sequence. */
  public int unitPositions() {
    return positions + 1;
  }

  /** Width of the retrieval vectors q_m and e_e (spec 9): t_cls, v_cls, h_ti, h_it. */
  public int retrievalDim() {
    return textWidth + 3 * matcher.hiddenDim();
  }

  public MatcherInputs withMatcher(MatcherConfig newMatcher) {
    return new MatcherInputs(textWidth, positions, imageClsWidth, imageTokenWidth, layerNormEps,
        newMatcher);
  }
}
