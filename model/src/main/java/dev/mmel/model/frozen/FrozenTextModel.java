package dev.mmel.model.frozen;

import dev.mmel.core.ProgressListener;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.features.SideBatchSource;
import dev.mmel.model.graph.EvaluationGraph;
import dev.mmel.model.io.Checkpoint;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.io.Sha256;
import dev.mmel.model.params.ParameterLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * A matcher loaded into an evaluation graph over a frozen backbone's features, which are cached
 * for the given KB and mentions on opening: the best weights of a `mmel train` run over the int8
 * ONNX backbone, or a text-only model directory over its own tower.
 */
public final class FrozenTextModel implements AutoCloseable {
  private static final int ENCODE_BATCH = 64;

  private final FrozenTextRun config;
  private final FrozenTextFeatures.Prepared prepared;
  private final String modelVersion;
  private final Graph graph;
  private final Session session;
  private final EvaluationGraph evaluation;

  private FrozenTextModel(FrozenTextRun config, FrozenTextFeatures.Prepared prepared,
      String modelVersion, Graph graph, Session session, EvaluationGraph evaluation) {
    this.config = config;
    this.prepared = prepared;
    this.modelVersion = modelVersion;
    this.graph = graph;
    this.session = session;
    this.evaluation = evaluation;
  }

  public static FrozenTextModel open(Path runDir, Path featureCache, int threads,
      List<KbEntity> kb, List<LabelledMention> mentions, ProgressListener progress)
      throws IOException {
    FrozenTextRun config = FrozenTextRun.read(runDir);
    Path weightsFile = runDir.resolve("best/weights.safetensors");
    if (!Files.isRegularFile(weightsFile)) {
      throw new IllegalArgumentException(weightsFile + " is missing: the run has not "
          + "validated yet (train with more epochs or a smaller --validate-every)");
    }
    FrozenTextFeatures.Prepared prepared = FrozenTextFeatures.prepareOnnx(featureCache,
        config.inputs().positions(), threads, kb, mentions, progress);
    if (!config.backboneId().equals(prepared.backboneId())) {
      throw new IllegalArgumentException(runDir + " was trained on backbone "
          + config.backboneId() + ", this build has " + prepared.backboneId());
    }
    return load(config, prepared, Checkpoint.read(weightsFile),
        "head-" + Sha256.of(weightsFile).substring(0, 16));
  }

  /**
   * A model directory's matcher over its own text tower's cached features: the same numbers as
   * ranking through its SavedModel, without re-running the tower for every evaluation.
   */
  public static FrozenTextModel openModel(ModelDirectory directory, Path featureCache,
      int threads, List<KbEntity> kb, List<LabelledMention> mentions, ProgressListener progress)
      throws IOException {
    ModelConfig modelConfig = directory.readConfig();
    if (modelConfig.hasVision()) {
      throw new IllegalArgumentException(directory.root() + " has an image tower; only a "
          + "text-only model's matcher runs over cached tower features");
    }
    FrozenTextFeatures.Prepared prepared;
    try (ModelTowerBackbone backbone = ModelTowerBackbone.open(directory, threads)) {
      prepared = FrozenTextFeatures.prepare(featureCache, backbone, kb, mentions, progress);
    }
    FrozenTextRun config = new FrozenTextRun(prepared.backboneId(), modelConfig.matcherInputs());
    return load(config, prepared, headWeights(modelConfig, Checkpoint.read(directory.weights())),
        directory.version());
  }

  /** The matcher and projection weights of a full model's, which a head graph holds. */
  public static Map<String, float[]> headWeights(ModelConfig config, Map<String, float[]> all) {
    ParameterLayout head = ParameterLayout.head(config.matcherInputs());
    Map<String, float[]> weights = new LinkedHashMap<>();
    all.forEach((name, values) -> {
      if (head.contains(name)) {
        weights.put(name, values);
      }
    });
    return weights;
  }

  private static FrozenTextModel load(FrozenTextRun config, FrozenTextFeatures.Prepared prepared,
      Map<String, float[]> weights, String modelVersion) {
    Graph graph = new Graph();
    Session session = null;
    try {
      EvaluationGraph evaluation = EvaluationGraph.overFeatures(graph, config.inputs());
      session = new Session(graph);
      evaluation.writeParameters(session, weights);
      return new FrozenTextModel(config, prepared, modelVersion, graph, session, evaluation);
    } catch (RuntimeException e) {
      if (session != null) {
        session.close();
      }
      graph.close();
      throw e;
    }
  }

  public FrozenTextRun config() {
    return config;
  }

  public SideBatchSource source() {
    return prepared.source();
  }

  /** {@code head-} and the start of the best weights' SHA-256. */
  public String modelVersion() {
    return modelVersion;
  }

  public EvaluationGraph evaluation() {
    return evaluation;
  }

  public Session session() {
    return session;
  }

  /** Entity-side encodings, in order, encoded in batches. */
  public List<EvaluationGraph.Entities> encodeEntities(List<KbEntity> entities)
      throws IOException {
    List<EvaluationGraph.Entities> batches = new ArrayList<>();
    for (int start = 0; start < entities.size(); start += ENCODE_BATCH) {
      batches.add(evaluation.encodeEntities(session, source().entities(
          entities.subList(start, Math.min(entities.size(), start + ENCODE_BATCH)))));
    }
    return batches;
  }

  /** Mention-side encodings, in order, encoded in batches. */
  public List<EvaluationGraph.Mentions> encodeMentions(List<LabelledMention> mentions)
      throws IOException {
    List<EvaluationGraph.Mentions> batches = new ArrayList<>();
    for (int start = 0; start < mentions.size(); start += ENCODE_BATCH) {
      batches.add(evaluation.encodeMentions(session, source().mentions(
          mentions.subList(start, Math.min(mentions.size(), start + ENCODE_BATCH)))));
    }
    return batches;
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
