package dev.mmel.serving.link;

/**
 * The score below which a mention is taken to name no entity of the knowledge base, and where
 * it came from (calibrated on a dev split for the model, or configured).
 */
public record NilThreshold(float value, String source) {
  public NilThreshold {
    if (!Float.isFinite(value)) {
      throw new IllegalArgumentException("nil threshold must be finite, got " + value);
    }
  }

  /** No NIL answers: every mention with a candidate is linked. */
  public static NilThreshold off() {
    return new NilThreshold(-Float.MAX_VALUE, "none (never NIL)");
  }
}
