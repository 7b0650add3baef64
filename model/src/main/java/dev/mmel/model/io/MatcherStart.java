package dev.mmel.model.io;

import dev.mmel.model.params.ParameterNames;
import dev.mmel.model.params.ParameterSpec;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * How a new matcher's weights start. {@link #DUAL_ENCODER} closes the matcher's residual
 * branches so that an untrained model ranks exactly as the dual encoder LN(t_cls_m) . LN(t_cls_e)
 * (the correlation of the backbone's pooled vectors) does, while every branch still gets a
 * gradient from the first step:
 * <ul>
 *   <li>the text and vision units' context LayerNorm starts at gain 0 and bias 0, so ctx = 0 and
 *       g2l = c_e . ctx = 0; its gain's gradient is c_e times the normalised input, not 0;
 *   <li>InterMoE's gate LayerNorm starts at gain 0 and a constant bias b with |b| = 1, so
 *       h_ti = h_it = b on both sides and S_cross = |b|^2 = 1 for every pair; a zero bias would
 *       make S_cross a product of two zero vectors, a saddle point no gradient leaves (measured:
 *       CE(S_cross) stayed at ln 32 for a whole epoch).
 * </ul>
 * S is then g2g_text / 6 plus a constant (the image terms of a text-only model are constant).
 */
public enum MatcherStart {
  /** Every matcher parameter drawn at random (the reference's initialisation). */
  RANDOM,
  /** Random, but the residual branches closed: an untrained model is a dual encoder. */
  DUAL_ENCODER;

  private static final Set<String> ZEROED = Set.of(
      ParameterNames.TEXT_UNIT + "layer_norm.weight",
      ParameterNames.TEXT_UNIT + "layer_norm.bias",
      ParameterNames.VISION_UNIT + "layer_norm.weight",
      ParameterNames.VISION_UNIT + "layer_norm.bias",
      ParameterNames.CROSS_UNIT + "gate_layer_norm.weight");
  private static final String CROSS_BIAS = ParameterNames.CROSS_UNIT + "gate_layer_norm.bias";

  /** The starting values of a parameter no checkpoint gives. */
  public float[] initial(ParameterSpec spec, long seed) {
    if (this == DUAL_ENCODER && ZEROED.contains(spec.name())) {
      return new float[Math.toIntExact(spec.size())];
    }
    if (this == DUAL_ENCODER && CROSS_BIAS.equals(spec.name())) {
      float[] unit = new float[Math.toIntExact(spec.size())];
      Arrays.fill(unit, (float) (1 / Math.sqrt(unit.length)));
      return unit;
    }
    return RandomWeights.values(spec, seed);
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** By {@link #id()} (case and - or _ alike). */
  public static MatcherStart parse(String id) {
    for (MatcherStart start : values()) {
      if (start.id().equals(id.trim().toLowerCase(Locale.ROOT).replace('_', '-'))) {
        return start;
      }
    }
    throw new IllegalArgumentException("unknown matcher start '" + id + "'; use random or "
        + "dual-encoder");
  }
}
