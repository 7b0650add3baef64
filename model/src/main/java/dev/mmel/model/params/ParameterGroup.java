package dev.mmel.model.params;

/** The parts `mmel model info` counts separately. */
public enum ParameterGroup {
  /** The CLIP towers and their projections, named as Hugging Face's CLIPModel. */
  BACKBONE,
  /** The image projections into the matcher width (reference `encoder.image_*_fc`). */
  PROJECTIONS,
  /** The MMoE matcher (reference `matcher.*`). */
  MATCHER,
  /** Serving state that is not a trained weight: the frozen gate means of faithful mode. */
  GATE_STATISTICS
}
