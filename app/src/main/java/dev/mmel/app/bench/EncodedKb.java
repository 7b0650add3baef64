package dev.mmel.app.bench;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityEncodings;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.ProgressListener;
import dev.mmel.core.RerankFeatures;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.data.LinkingDataset;
import dev.mmel.model.frozen.FrozenTextModel;
import dev.mmel.model.graph.EvaluationGraph;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A real KB encoded by a trained run (`mmel train`): every entity's retrieval vector and rerank
 * features as the run's matcher computes them, and the run's mention-side query vectors for the
 * first mentions of a split as the queries, the way serving would search.
 */
final class EncodedKb implements BenchData {
  private final String datasetName;
  private final String split;
  private final String modelVersion;
  private final IndexSchema schema;
  private final List<EntityRecord> records;
  private final float[][] vectors;
  private final RerankFeatures[] rerank;
  private final float[][] queries;

  private EncodedKb(String datasetName, String split, String modelVersion, IndexSchema schema,
      List<EntityRecord> records, float[][] vectors, RerankFeatures[] rerank,
      float[][] queries) {
    this.datasetName = datasetName;
    this.split = split;
    this.modelVersion = modelVersion;
    this.schema = schema;
    this.records = records;
    this.vectors = vectors;
    this.rerank = rerank;
    this.queries = queries;
  }

  static EncodedKb encode(LinkingDataset dataset, String split, int queryLimit, Path runDir,
      Path featureCache, int threads, ProgressListener progress) throws IOException {
    List<LabelledMention> mentions = dataset.split(split);
    if (mentions.isEmpty()) {
      throw new IllegalArgumentException("split " + split + " of " + dataset.name()
          + " has no mentions to search with");
    }
    mentions = mentions.subList(0, Math.min(queryLimit, mentions.size()));
    List<KbEntity> kb = dataset.kb();
    try (FrozenTextModel run =
        FrozenTextModel.open(runDir, featureCache, threads, kb, mentions, progress)) {
      progress.step(String.format(Locale.ROOT, "encoding %,d entities and %,d %s mentions "
          + "with %s", kb.size(), mentions.size(), split, run.modelVersion()));
      List<EntityRecord> records = new ArrayList<>(kb.size());
      float[][] vectors = new float[kb.size()][];
      RerankFeatures[] rerank = new RerankFeatures[kb.size()];
      IndexSchema schema = null;
      int row = 0;
      for (EvaluationGraph.Entities batch : run.encodeEntities(kb)) {
        EntityEncodings encodings = batch.encodings();
        schema = new IndexSchema(encodings.retrievalDim(), encodings.hiddenDim(),
            encodings.textPositions(), encodings.imagePositions());
        for (int i = 0; i < batch.count(); i++, row++) {
          EncodedEntity entity = EncodedEntity.of(kb.get(row).toRecord(), encodings, i);
          records.add(entity.record());
          vectors[row] = entity.retrieval();
          rerank[row] = entity.rerank();
        }
        progress.count(row, kb.size(), "entities");
      }
      float[][] queries = new float[mentions.size()][];
      int q = 0;
      for (EvaluationGraph.Mentions batch : run.encodeMentions(mentions)) {
        for (int i = 0; i < batch.count(); i++) {
          queries[q++] = batch.encodings().rows(i, i + 1).query();
        }
      }
      return new EncodedKb(dataset.name(), split, run.modelVersion(), schema,
          List.copyOf(records), vectors, rerank, queries);
    }
  }

  @Override
  public int size() {
    return records.size();
  }

  @Override
  public IndexSchema schema() {
    return schema;
  }

  @Override
  public float[][] vectors() {
    return vectors;
  }

  @Override
  public float[][] queries() {
    return queries;
  }

  @Override
  public List<EncodedEntity> entities(int from, int to) {
    List<EncodedEntity> entities = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      entities.add(new EncodedEntity(records.get(i), vectors[i], rerank[i]));
    }
    return entities;
  }

  @Override
  public EntityRecord record(int entity) {
    return records.get(entity);
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "REAL data: the %s KB (%,d entities) encoded by the "
        + "trained run %s, %d-d retrieval vectors (spec 9's e_e); queries are the run's q_m of "
        + "the first %,d %s mentions. Rows carry the run's %,d rerank floats (fp16) and the "
        + "entity's record.", datasetName, records.size(), modelVersion,
        schema.retrievalDim(), queries.length, split, schema.rerankFloats());
  }
}
