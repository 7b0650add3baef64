package dev.mmel.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.core.ProgressListener;
import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.MatcherConfig;
import dev.mmel.model.config.MatcherInputs;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.eval.ExhaustiveRanker;
import dev.mmel.model.eval.RankMetrics;
import dev.mmel.model.features.SideBatchSource;
import dev.mmel.model.graph.EvaluationGraph;
import dev.mmel.model.graph.SideBatch;
import dev.mmel.model.graph.TrainingGraph;
import dev.mmel.model.io.Checkpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * The training loop and exhaustive ranking on a small synthetic feature set (a frozen backbone's
 * outputs made up so that a mention resembles its gold entity): learning, same seed same curve,
 * resume equals an uninterrupted run, and pruned ranking equals brute-force exact ranking.
 */
class TrainerTest {

  @TempDir
  Path temp;

  static MatcherInputs inputs(GateMode mode) {
    return new MatcherInputs(16, 6, 8, 8, 1e-5, new MatcherConfig(8, 4, 2, mode, 8));
  }

  /** Entities with random features; mentions are their gold entity's features plus noise. */
  static final class SyntheticSet implements SideBatchSource {
    final List<KbEntity> kb = new ArrayList<>();
    final List<LabelledMention> train = new ArrayList<>();
    final List<LabelledMention> dev = new ArrayList<>();
    private final Map<String, float[]> features = new HashMap<>();
    private final int rowWidth;
    private final MatcherInputs inputs;

    SyntheticSet(MatcherInputs inputs, int entities, int trainMentions, int devMentions,
        double noiseScale, long seed) {
      this.inputs = inputs;
      this.rowWidth = inputs.textWidth() * (1 + inputs.positions());
      Random random = new Random(seed);
      for (int i = 0; i < entities; i++) {
        String qid = "Q" + (i + 1);
        kb.add(new KbEntity(qid, "entity " + i, List.of(), "", null));
        features.put(qid, gaussian(random, rowWidth, 1.0));
      }
      for (int i = 0; i < trainMentions + devMentions; i++) {
        String qid = "Q" + (1 + random.nextInt(entities));
        String id = "m" + i;
        float[] gold = features.get(qid);
        float[] noise = gaussian(random, rowWidth, noiseScale);
        float[] row = new float[rowWidth];
        for (int j = 0; j < rowWidth; j++) {
          row[j] = gold[j] + noise[j];
        }
        features.put(id, row);
        (i < trainMentions ? train : dev)
            .add(new LabelledMention(id, "m", "s", "", qid, null));
      }
    }

    private static float[] gaussian(Random random, int n, double scale) {
      float[] values = new float[n];
      for (int i = 0; i < n; i++) {
        values[i] = (float) (random.nextGaussian() * scale);
      }
      return values;
    }

    private SideBatch batch(List<String> keys) {
      int t = inputs.textWidth();
      int n = keys.size();
      float[] cls = new float[n * t];
      float[] tokens = new float[n * t * inputs.positions()];
      for (int i = 0; i < n; i++) {
        float[] row = features.get(keys.get(i));
        System.arraycopy(row, 0, cls, i * t, t);
        System.arraycopy(row, t, tokens, i * t * inputs.positions(), t * inputs.positions());
      }
      return new SideBatch.Features(n, cls, tokens, null, null);
    }

    @Override
    public SideBatch entities(List<KbEntity> entities) {
      return batch(entities.stream().map(KbEntity::qid).toList());
    }

    @Override
    public SideBatch mentions(List<LabelledMention> mentions) {
      return batch(mentions.stream().map(LabelledMention::sampleId).toList());
    }

    @Override
    public long unreadableImages() {
      return 0;
    }
  }

  private static TrainSettings settings(int epochs, double lr) {
    return TrainSettings.builder().batchSize(8).epochs(epochs).validateEvery(1).patience(100)
        .seed(7).learningRate(lr).calibrationBatches(4).kbChunk(16).build();
  }

  private Trainer.Summary run(SyntheticSet set, MatcherInputs inputs, TrainSettings settings,
      Path runDir, boolean resume) throws IOException {
    return run(set, inputs, settings, runDir, resume, set.dev);
  }

  private Trainer.Summary run(SyntheticSet set, MatcherInputs inputs, TrainSettings settings,
      Path runDir, boolean resume, List<LabelledMention> validation) throws IOException {
    try (Graph tg = new Graph(); Session ts = new Session(tg); Graph eg = new Graph();
        Session es = new Session(eg)) {
      TrainingGraph training = TrainingGraph.overFeatures(tg, inputs, settings.optimiser());
      EvaluationGraph evaluation = EvaluationGraph.overFeatures(eg, inputs);
      Trainer trainer = new Trainer(training, ts, evaluation, es, set, settings,
          new ShuffledBatches(settings.batchSize(), settings.seed()), ProgressListener.NONE);
      return trainer.train(set.kb, set.train, validation, runDir,
          Trainer.initialWeights(training.layout(), settings.seed(), Map.of()), resume);
    }
  }

  private static JsonNode state(Path runDir) throws IOException {
    return new ObjectMapper().readTree(runDir.resolve("last/state.json").toFile());
  }

  @Test
  void trainingFitsTheTrainingMentionsInBothGateModes() throws IOException {
    for (GateMode mode : GateMode.values()) {
      MatcherInputs inputs = inputs(mode);
      SyntheticSet set = new SyntheticSet(inputs, 40, 160, 40, 2.5, 1);
      Trainer.Summary summary = run(set, inputs, settings(6, 3e-3), temp.resolve(mode.id()),
          false, set.train.subList(0, 60));
      double first = summary.epochs().get(0).validationMrr();
      assertTrue(summary.bestMrr() > first + 5,
          mode + ": validation MRR " + first + " -> " + summary.bestMrr());
      assertTrue(summary.epochs().get(5).meanLoss() < summary.epochs().get(0).meanLoss(),
          mode + ": loss did not fall");
    }
  }

  @Test
  void sameSeedGivesTheSameLossCurveAndResumeContinuesIt() throws IOException {
    MatcherInputs inputs = inputs(GateMode.PER_TOKEN);
    SyntheticSet set = new SyntheticSet(inputs, 30, 64, 16, 0.7, 2);
    run(set, inputs, settings(4, 1e-3), temp.resolve("a"), false);
    run(set, inputs, settings(4, 1e-3), temp.resolve("b"), false);
    run(set, inputs, settings(2, 1e-3), temp.resolve("c"), false);
    run(set, inputs, settings(4, 1e-3), temp.resolve("c"), true);
    JsonNode a = state(temp.resolve("a"));
    assertEquals(4 * 8, a.path("losses").size());
    assertEquals(a.path("losses"), state(temp.resolve("b")).path("losses"));
    assertEquals(a.path("losses"), state(temp.resolve("c")).path("losses"));
    assertArrayEquals(
        Checkpoint.read(temp.resolve("a/last/weights.safetensors"))
            .get("matcher.text_module.fc_query.weight"),
        Checkpoint.read(temp.resolve("c/last/weights.safetensors"))
            .get("matcher.text_module.fc_query.weight"));
  }

  @Test
  void prunedRankingEqualsExactRankingOfEveryPair() throws IOException {
    for (GateMode mode : GateMode.values()) {
      MatcherInputs inputs = inputs(mode);
      SyntheticSet set = new SyntheticSet(inputs, 50, 40, 30, 1.5, 3);
      Path runDir = temp.resolve("rank-" + mode.id());
      run(set, inputs, settings(2, 3e-3), runDir, false);
      try (Graph graph = new Graph(); Session session = new Session(graph)) {
        EvaluationGraph evaluation = EvaluationGraph.overFeatures(graph, inputs);
        evaluation.writeParameters(session,
            Checkpoint.read(runDir.resolve("best/weights.safetensors")));
        ExhaustiveRanker.Outcome outcome = new ExhaustiveRanker(evaluation, session, set, 7)
            .rank(set.kb, set.dev, ProgressListener.NONE);
        int[] expected = bruteForce(evaluation, session, set);
        assertArrayEquals(expected, outcome.ranks(), mode.id());
        assertTrue(outcome.exactPairs() <= outcome.pairs());
        RankMetrics.of(outcome.ranks());
      }
    }
  }

  /** Exact S for every (mention, entity) pair, rank = 1 + strictly higher. */
  private static int[] bruteForce(EvaluationGraph evaluation, Session session, SyntheticSet set) {
    int n = set.kb.size();
    int[] ranks = new int[set.dev.size()];
    EvaluationGraph.Entities all = evaluation.encodeEntities(session, set.entities(set.kb));
    for (int b = 0; b < set.dev.size(); b++) {
      LabelledMention mention = set.dev.get(b);
      EvaluationGraph.Mentions one =
          evaluation.encodeMentions(session, set.mentions(List.of(mention)));
      EvaluationGraph.Mentions repeated = one.select(new int[n]);
      float[] scores = evaluation.pairScores(session, repeated, all);
      int gold = Integer.parseInt(mention.answerQid().substring(1)) - 1;
      int higher = 0;
      for (int j = 0; j < n; j++) {
        if (j != gold && scores[j] > scores[gold]) {
          higher++;
        }
      }
      ranks[b] = 1 + higher;
    }
    return ranks;
  }

}
