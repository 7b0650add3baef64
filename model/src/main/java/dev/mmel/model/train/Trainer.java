package dev.mmel.model.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mmel.core.ProgressListener;
import dev.mmel.model.config.GateMode;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.eval.ExhaustiveRanker;
import dev.mmel.model.eval.RankMetrics;
import dev.mmel.model.features.SideBatchSource;
import dev.mmel.model.graph.EvaluationGraph;
import dev.mmel.model.graph.TrainingGraph;
import dev.mmel.model.io.Checkpoint;
import dev.mmel.model.params.GateSite;
import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.tensorflow.Session;

/**
 * Spec 7's training loop: shuffled batches of (mention, gold entity) pairs with in-batch
 * negatives, validation MRR every N epochs ranking the validation mentions against the whole KB,
 * early stopping with patience, the best weights kept. After every epoch the weights, optimiser
 * state and loop state are checkpointed under {@code run/last/}, which is what {@code --resume}
 * continues from; the best weights go to {@code run/best/}.
 */
public final class Trainer {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * One epoch's line of the summary table; {@code termLosses} are the means of CE(S), CE(S_text),
   * CE(S_image) and CE(S_cross), whose sum is {@code meanLoss}.
   */
  public record EpochRecord(int epoch, double meanLoss, double[] termLosses,
      double itemsPerSecond, Double validationMrr, double seconds) {}

  /** What a run did: per-epoch records, the best validation MRR and its epoch. */
  public record Summary(List<EpochRecord> epochs, double bestMrr, int bestEpoch,
      boolean stoppedEarly, double seconds) {}

  private final TrainingGraph training;
  private final Session trainingSession;
  private final EvaluationGraph evaluation;
  private final Session evaluationSession;
  private final SideBatchSource source;
  private final TrainSettings settings;
  private final BatchOrder batchOrder;
  private final ProgressListener progress;

  public Trainer(TrainingGraph training, Session trainingSession, EvaluationGraph evaluation,
      Session evaluationSession, SideBatchSource source, TrainSettings settings,
      BatchOrder batchOrder, ProgressListener progress) {
    this.training = training;
    this.trainingSession = trainingSession;
    this.evaluation = evaluation;
    this.evaluationSession = evaluationSession;
    this.source = source;
    this.settings = settings;
    this.batchOrder = batchOrder;
    this.progress = progress;
  }

  /** Weights a fresh run starts from: {@code initial} where given, seeded random otherwise. */
  public static Map<String, float[]> initialWeights(ParameterLayout layout, long seed,
      Map<String, float[]> initial) {
    Map<String, float[]> values = new LinkedHashMap<>();
    for (ParameterSpec spec : layout.specs()) {
      float[] given = initial.get(spec.name());
      values.put(spec.name(), given != null ? given
          : dev.mmel.model.io.RandomWeights.values(spec, seed));
    }
    return values;
  }

  public Summary train(List<KbEntity> kb, List<LabelledMention> train,
      List<LabelledMention> validation, Path runDir, Map<String, float[]> initial,
      boolean resume) throws IOException {
    long started = System.nanoTime();
    Map<String, KbEntity> byQid = new HashMap<>();
    kb.forEach(e -> byQid.put(e.qid(), e));
    RunState state;
    if (resume && Files.exists(runDir.resolve("last/state.json"))) {
      state = JSON.readValue(runDir.resolve("last/state.json").toFile(), RunState.class);
      training.writeParameters(trainingSession,
          Checkpoint.read(runDir.resolve("last/weights.safetensors")));
      training.writeOptimiser(trainingSession,
          Checkpoint.read(runDir.resolve("last/optimizer.safetensors")));
      progress.step(String.format(Locale.ROOT, "resuming after epoch %d (best MRR %.2f at "
          + "epoch %d)", state.epochsDone, state.bestMrr, state.bestEpoch));
    } else {
      if (resume) {
        progress.step("nothing to resume in " + runDir + "; starting a fresh run");
      }
      state = new RunState();
      training.writeParameters(trainingSession, initial);
      training.initOptimiser(trainingSession);
    }
    List<LabelledMention> validationSet = settings.validationLimit() > 0
        && validation.size() > settings.validationLimit()
        ? validation.subList(0, settings.validationLimit()) : validation;
    boolean stoppedEarly = false;
    for (int epoch = state.epochsDone + 1; epoch <= settings.epochs(); epoch++) {
      long epochStart = System.nanoTime();
      List<List<LabelledMention>> batchList = batchOrder.batches(train, epoch);
      double lossSum = 0;
      double[] termSums = new double[4];
      int batches = 0;
      int done = 0;
      ProgressListener epochProgress = progress.task("epoch " + epoch + "/" + settings.epochs());
      for (List<LabelledMention> batch : batchList) {
        TrainingGraph.Losses losses = training.step(trainingSession, source.mentions(batch),
            source.entities(golds(batch, byQid)));
        if (!Float.isFinite(losses.total())) {
          throw new IllegalStateException("epoch " + epoch + " batch " + (batches + 1)
              + ": the loss is " + losses.total() + "; lower --lr");
        }
        lossSum += losses.total();
        termSums[0] += losses.score();
        termSums[1] += losses.text();
        termSums[2] += losses.image();
        termSums[3] += losses.cross();
        batches++;
        state.losses.add((double) losses.total());
        done += batch.size();
        epochProgress.count(done, train.size(),
            String.format(Locale.ROOT, "mentions, loss %.4f (%s)", lossSum / batches,
                terms(termSums, batches)));
      }
      double seconds = (System.nanoTime() - epochStart) / 1e9;
      Double mrr = null;
      if (epoch % settings.validateEvery() == 0 || epoch == settings.epochs()) {
        Validation result = validate(kb, train, validationSet, byQid);
        mrr = result.metrics().mrr();
        progress.step(String.format(Locale.ROOT, "epoch %d: validation MRR %.2f on %d mentions",
            epoch, mrr, validationSet.size()));
        if (mrr > state.bestMrr) {
          state.bestMrr = mrr;
          state.bestEpoch = epoch;
          state.validationsSinceBest = 0;
          writeWeights(runDir.resolve("best/weights.safetensors"), result.weights());
        } else {
          state.validationsSinceBest++;
        }
      }
      state.epochsDone = epoch;
      double[] termLosses = new double[termSums.length];
      for (int i = 0; i < termSums.length; i++) {
        termLosses[i] = termSums[i] / Math.max(1, batches);
      }
      state.records.add(new EpochRecord(epoch, lossSum / Math.max(1, batches), termLosses,
          done / seconds, mrr, seconds));
      checkpoint(runDir, state);
      if (state.validationsSinceBest >= settings.patience()) {
        progress.step(String.format(Locale.ROOT, "early stop: no better validation MRR for %d "
            + "validations", settings.patience()));
        stoppedEarly = true;
        break;
      }
    }
    return new Summary(List.copyOf(state.records), state.bestMrr, state.bestEpoch, stoppedEarly,
        (System.nanoTime() - started) / 1e9);
  }

  /** The four CE terms' running means, labelled as in spec 7. */
  public static String terms(double[] sums, int batches) {
    String[] names = {"S", "S_text", "S_image", "S_cross"};
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < names.length; i++) {
      text.append(i == 0 ? "" : ", ").append(names[i]).append(' ')
          .append(String.format(Locale.ROOT, "%.3f", sums[i] / Math.max(1, batches)));
    }
    return text.toString();
  }

  /** Validation metrics and the weights they were measured with (frozen means included). */
  private record Validation(RankMetrics metrics, Map<String, float[]> weights) {}

  /** Copies the current weights (frozen means calibrated in faithful mode) and ranks. */
  private Validation validate(List<KbEntity> kb, List<LabelledMention> train,
      List<LabelledMention> validation, Map<String, KbEntity> byQid) throws IOException {
    Map<String, float[]> weights = evaluationWeights(train, byQid);
    evaluation.writeParameters(evaluationSession, weights);
    ExhaustiveRanker ranker =
        new ExhaustiveRanker(evaluation, evaluationSession, source, settings.kbChunk());
    ExhaustiveRanker.Outcome outcome =
        ranker.rank(kb, validation, progress.task("validation"));
    return new Validation(RankMetrics.of(outcome.ranks()), weights);
  }

  private Map<String, float[]> evaluationWeights(List<LabelledMention> train,
      Map<String, KbEntity> byQid) throws IOException {
    ParameterLayout layout = training.layout();
    List<String> names = layout.specs().stream().map(ParameterSpec::name)
        .filter(name -> !isGateStatistic(name)).toList();
    Map<String, float[]> weights = new LinkedHashMap<>(
        training.readParameters(trainingSession, names));
    if (evaluation.inputs().matcher().gateMode() == GateMode.FAITHFUL) {
      weights.putAll(frozenMeans(train, byQid));
    }
    return weights;
  }

  private static boolean isGateStatistic(String name) {
    for (GateSite site : GateSite.values()) {
      if (site.parameterName().equals(name)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Spec 4's frozen means: the batch mean of Q at each gate site, averaged over training
   * batches of the training batch size (shuffled with the run's seed).
   */
  private Map<String, float[]> frozenMeans(List<LabelledMention> train,
      Map<String, KbEntity> byQid) throws IOException {
    List<LabelledMention> order = new ArrayList<>(train);
    Collections.shuffle(order, new Random(settings.seed()));
    Map<GateSite, double[]> sums = new EnumMap<>(GateSite.class);
    int batches = 0;
    for (int start = 0; start + settings.batchSize() <= order.size()
        && batches < settings.calibrationBatches(); start += settings.batchSize()) {
      List<LabelledMention> batch = order.subList(start, start + settings.batchSize());
      Map<GateSite, float[]> means = training.gateMeans(trainingSession, source.mentions(batch),
          source.entities(golds(batch, byQid)));
      means.forEach((site, mean) -> {
        double[] sum = sums.computeIfAbsent(site, s -> new double[mean.length]);
        for (int i = 0; i < mean.length; i++) {
          sum[i] += mean[i];
        }
      });
      batches++;
    }
    if (batches == 0) {
      throw new IllegalStateException("calibrating the frozen gate means needs at least "
          + settings.batchSize() + " training mentions");
    }
    Map<String, float[]> frozen = new LinkedHashMap<>();
    for (Map.Entry<GateSite, double[]> entry : sums.entrySet()) {
      float[] mean = new float[entry.getValue().length];
      for (int i = 0; i < mean.length; i++) {
        mean[i] = (float) (entry.getValue()[i] / batches);
      }
      frozen.put(entry.getKey().parameterName(), mean);
    }
    return frozen;
  }

  private static List<KbEntity> golds(List<LabelledMention> batch, Map<String, KbEntity> byQid) {
    List<KbEntity> entities = new ArrayList<>(batch.size());
    for (LabelledMention mention : batch) {
      KbEntity entity = byQid.get(mention.answerQid());
      if (entity == null) {
        throw new IllegalArgumentException("mention " + mention.sampleId() + ": answer "
            + mention.answerQid() + " is not in the KB");
      }
      entities.add(entity);
    }
    return entities;
  }

  private void checkpoint(Path runDir, RunState state) throws IOException {
    Path last = runDir.resolve("last");
    List<String> names = training.layout().specs().stream().map(ParameterSpec::name).toList();
    writeWeights(last.resolve("weights.safetensors"),
        training.readParameters(trainingSession, names));
    Map<String, float[]> optimiser = training.readOptimiser(trainingSession);
    Checkpoint.write(last.resolve("optimizer.safetensors"), optimiser,
        name -> name.equals("adam_step") ? new long[] {}
            : training.layout().spec(name.substring(name.indexOf('.') + 1)).shape());
    Path temporary = last.resolve("state.json.tmp");
    JSON.writeValue(temporary.toFile(), state);
    Files.move(temporary, last.resolve("state.json"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private void writeWeights(Path file, Map<String, float[]> weights) throws IOException {
    Checkpoint.write(file, weights, name -> training.layout().spec(name).shape());
  }

  /** The loop's own state, saved beside the weights for --resume. */
  static final class RunState {
    public int epochsDone;
    public double bestMrr = Double.NEGATIVE_INFINITY;
    public int bestEpoch;
    public int validationsSinceBest;
    public List<Double> losses = new ArrayList<>();
    public List<EpochRecord> records = new ArrayList<>();
  }
}
