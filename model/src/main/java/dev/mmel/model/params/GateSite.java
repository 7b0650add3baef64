package dev.mmel.model.params;

import java.util.Locale;

/**
 * Each call of a mixture-of-experts block in the model. The faithful gate's batch mean differs per
 * call (different inputs), so its frozen replacement is stored per call site.
 */
public enum GateSite {
  TEXT_ENTITY,
  TEXT_MENTION,
  VISION_ENTITY,
  VISION_MENTION,
  CROSS_ENTITY_TEXT_FIRST,
  CROSS_ENTITY_IMAGE_FIRST,
  CROSS_MENTION_TEXT_FIRST,
  CROSS_MENTION_IMAGE_FIRST;

  public String parameterName() {
    return ParameterNames.FROZEN_MEAN + outputName();
  }

  /** The site's output name in the gate_statistics signature. */
  public String outputName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
