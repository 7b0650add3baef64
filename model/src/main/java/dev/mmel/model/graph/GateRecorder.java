package dev.mmel.model.graph;

import dev.mmel.model.params.GateSite;
import java.util.EnumMap;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Collects, while a graph is being built, each faithful gate site's batch mean of the masked
 * router probabilities Q: the quantity whose frozen value replaces the batch mean at serving time.
 */
final class GateRecorder {
  private final Map<GateSite, Operand<TFloat32>> means = new EnumMap<>(GateSite.class);

  void record(GateSite site, Operand<TFloat32> batchMean) {
    if (means.put(site, batchMean) != null) {
      throw new IllegalStateException("gate site " + site + " recorded twice");
    }
  }

  Map<GateSite, Operand<TFloat32>> means() {
    return Map.copyOf(means);
  }
}
