package dev.mmel.serving.grpc;

import dev.mmel.model.dme.DescriptionSource;
import dev.mmel.proto.v1.LinkResult;
import dev.mmel.proto.v1.LinkedEntity;
import dev.mmel.proto.v1.ScoreParts;
import dev.mmel.proto.v1.StageTimings;

/** The linker's results as the .proto's messages. */
final class ProtoResults {
  private ProtoResults() {}

  static LinkResult of(dev.mmel.serving.link.LinkResult result, boolean debug,
      double validateMs) {
    LinkResult.Builder out = LinkResult.newBuilder()
        .setDescriptionUsed(result.description().description())
        .setDescriptionSource(source(result.description().source()))
        .setNil(result.nil())
        .setNilThreshold(result.nilThreshold());
    for (dev.mmel.serving.link.LinkedEntity entity : result.entities()) {
      out.addEntities(LinkedEntity.newBuilder()
          .setQid(entity.entity().qid())
          .setName(entity.entity().name())
          .setDescription(entity.entity().description())
          .setScore(entity.score())
          .setParts(ScoreParts.newBuilder()
              .setText(entity.textScore())
              .setImage(entity.imageScore())
              .setCross(entity.crossScore())
              .setRetrieval(entity.retrievalScore())
              .setInteraction(entity.interactionScore())));
    }
    if (debug) {
      dev.mmel.serving.link.StageTimings t = result.timings();
      out.setTimings(StageTimings.newBuilder()
          .setValidateMs(validateMs)
          .setDmeMs(t.dmeMs())
          .setEncodeMs(t.encodeMs())
          .setRetrieveMs(t.retrieveMs())
          .setRerankMs(t.rerankMs())
          .setTotalMs(t.totalMs() + validateMs)
          .setBatchSize(t.batchSize()));
    }
    return out.build();
  }

  static dev.mmel.proto.v1.DescriptionSource source(DescriptionSource source) {
    return switch (source) {
      case CALLER -> dev.mmel.proto.v1.DescriptionSource.DESCRIPTION_SOURCE_CALLER;
      case SIMILARITY -> dev.mmel.proto.v1.DescriptionSource.DESCRIPTION_SOURCE_SIMILARITY;
      case LLM -> dev.mmel.proto.v1.DescriptionSource.DESCRIPTION_SOURCE_LLM;
      case NONE -> dev.mmel.proto.v1.DescriptionSource.DESCRIPTION_SOURCE_NONE;
    };
  }
}
