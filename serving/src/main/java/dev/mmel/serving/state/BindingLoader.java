package dev.mmel.serving.state;

import dev.mmel.core.LinkingModel;
import dev.mmel.model.dme.DescriptionEnhancer;
import dev.mmel.model.runtime.LinkingModels;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.retriever.CacheConfig;
import dev.mmel.retriever.CachingEntityIndex;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.serving.dme.DmeSetup;
import dev.mmel.serving.dme.IndexDescriptionCandidates;
import dev.mmel.serving.link.Binding;
import dev.mmel.serving.link.MentionEncoder;
import dev.mmel.serving.link.NilThreshold;
import dev.mmel.serving.link.NotServingException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Function;

/**
 * Opens what a store publishes as a binding: the live build, the model that wrote it (found by
 * version in the model repository), the encoder over the model, DME over the build's names and
 * the model's NIL threshold.
 */
public final class BindingLoader {
  private final ModelRepository models;
  private final SessionSettings session;
  private final CacheConfig cache;
  private final Function<LinkingModel, MentionEncoder> encoders;
  private final Optional<DmeSetup> dme;
  private final OptionalDouble nilThreshold;
  private final String storeKind;

  /**
   * @param dme DME's selector and surface match; empty serves without DME
   * @param nilThreshold overrides the threshold calibrated for the model
   */
  public BindingLoader(ModelRepository models, SessionSettings session, CacheConfig cache,
      Function<LinkingModel, MentionEncoder> encoders, Optional<DmeSetup> dme,
      OptionalDouble nilThreshold, String storeKind) {
    this.models = models;
    this.session = session;
    this.cache = cache;
    this.encoders = encoders;
    this.dme = dme;
    this.nilThreshold = nilThreshold;
    this.storeKind = storeKind;
  }

  /** @throws NotServingException when nothing is published or no model matches the index */
  public Binding load(EntityIndexStore store) throws IOException {
    String buildId = store.liveBuildId().orElseThrow(() -> new NotServingException(
        "no index build is published yet; run `mmel index build` first"));
    EntityIndex live = store.openLive();
    LinkingModel model = null;
    try {
      Path modelDir;
      try {
        modelDir = models.directoryFor(live.modelVersion());
      } catch (IllegalStateException e) {
        throw new NotServingException(e.getMessage());
      }
      model = LinkingModels.open(modelDir, session, true);
      EntityIndex index = new CachingEntityIndex(live, cache);
      Optional<DescriptionEnhancer> enhancer = dme.map(setup -> new DescriptionEnhancer(
          new IndexDescriptionCandidates(index, setup.match()), setup.selector()));
      NilThreshold threshold = nilThreshold.isPresent()
          ? new NilThreshold((float) nilThreshold.getAsDouble(), "configured")
          : NilThresholdFile.read(modelDir).orElse(NilThreshold.off());
      return new Binding(model, index, buildId, storeKind, encoders.apply(model), enhancer,
          threshold);
    } catch (IOException | RuntimeException e) {
      if (model != null) {
        model.close();
      }
      live.close();
      throw e;
    }
  }
}
