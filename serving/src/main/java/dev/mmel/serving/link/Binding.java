package dev.mmel.serving.link;

import dev.mmel.core.LinkingModel;
import dev.mmel.model.dme.DescriptionEnhancer;
import dev.mmel.retriever.EntityIndex;
import java.util.Optional;

/**
 * A model and the index it wrote, served together: the mention encoder (batched over the
 * model), DME over the index's names, and the NIL threshold calibrated for the model. Requests
 * use one binding from start to end, so a model and index swapped in meanwhile never mix.
 */
public record Binding(LinkingModel model, EntityIndex index, String buildId, String store,
    MentionEncoder encoder, Optional<DescriptionEnhancer> dme, NilThreshold nilThreshold)
    implements AutoCloseable {

  public Binding {
    if (!model.version().equals(index.modelVersion())) {
      throw new IllegalArgumentException("the index (build " + buildId + ") was written by "
          + "model " + index.modelVersion() + ", not by the model served (" + model.version()
          + "); serve the model that built it, or build the index with this one");
    }
  }

  /** Releases the encoder, the index reader and the model, in that order. */
  @Override
  public void close() {
    try {
      encoder.close();
    } finally {
      try {
        index.close();
      } finally {
        model.close();
      }
    }
  }
}
