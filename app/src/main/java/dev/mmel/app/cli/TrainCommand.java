package dev.mmel.app.cli;

import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.MatcherConfig;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.data.LinkingDataset;
import dev.mmel.model.features.TokenSideSource;
import dev.mmel.model.frozen.FrozenTextFeatures;
import dev.mmel.model.frozen.FrozenTextModel;
import dev.mmel.model.frozen.FrozenTextRun;
import dev.mmel.model.frozen.FrozenTextSource;
import dev.mmel.model.frozen.ModelTowerBackbone;
import dev.mmel.model.graph.AdamW;
import dev.mmel.model.graph.EvaluationGraph;
import dev.mmel.model.graph.TrainingGraph;
import dev.mmel.model.io.Checkpoint;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.train.BatchOrder;
import dev.mmel.model.train.ModelRun;
import dev.mmel.model.train.NeighbourBatches;
import dev.mmel.model.train.ShuffledBatches;
import dev.mmel.model.train.TrainSettings;
import dev.mmel.model.train.Trainer;
import dev.mmel.model.train.TrainingPreset;
import dev.mmel.model.train.TrainingRecord;
import dev.mmel.model.train.TrainingSplits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Train MMoE with spec 7's objective and AdamW; validation MRR ranks dev "
        + "mentions against the whole KB. With --model, a model directory's matcher over its "
        + "frozen text tower (text-only models; tower features computed once and cached) or "
        + "the whole model end to end, exported as the model directory RUN/model; without, "
        + "the matcher over the int8 bge-small ONNX backbone.",
        "Defaults are spec 7's for the dataset's preset (--preset; WikiMEL: lr 5e-6, batch 32, "
        + "20 epochs, validate every 2, patience 3, k 3, seed 43); every value can be "
        + "overridden, and run.json records what was used."})
public final class TrainCommand extends MmelCommand {
  @Mixin
  FrozenTextOptions options = new FrozenTextOptions();

  @Mixin
  TrainingDataOptions trainingData = new TrainingDataOptions();

  @Option(names = "--run", paramLabel = "DIR", required = true,
      description = "Run directory: run.json, last/ (for --resume) and best/ checkpoints.")
  Path run;

  @Option(names = "--model", paramLabel = "DIR",
      description = {"Start from this model directory (`mmel model init` or `mmel model "
          + "import`); its config decides gate, k and lengths, and the best weights are "
          + "exported as the model directory RUN/model. A CLIP model trains end to end "
          + "(towers and matcher, regime (a), for GPU hosts); a text-only model (e.g. "
          + "`mmel model import --bge-small`) trains its matcher over its own frozen tower "
          + "(regime (b)) unless --end-to-end.",
          "Without it: the matcher over the int8 bge-small ONNX backbone, with no model "
          + "directory at the end (the first experiments' regime)."})
  Path model;

  @Option(names = "--end-to-end",
      description = "With a text-only --model: fine-tune its text tower too (default: the "
          + "matcher alone over the frozen tower's cached features).")
  boolean endToEndTower;

  @Option(names = "--resume", description = "Continue the run in --run from its last epoch.")
  boolean resume;

  @Option(names = "--gate", defaultValue = "per_token",
      description = "per_token (serving default) or faithful (the reference's batch gate).")
  String gate;

  @Option(names = "--top-k",
      description = "Experts kept per token (default: the preset's, e.g. WikiMEL 3).")
  Integer topK;

  @Option(names = "--positions", defaultValue = "50",
      description = "Text positions L of the backbone (default 50).")
  int positions;

  @Option(names = "--lr", description = "Learning rate (default: the preset's).")
  Double lr;

  @Option(names = "--batch-size", description = "Batch size (default 32).")
  Integer batchSize;

  @Option(names = "--epochs", description = "Epoch limit (default 20).")
  Integer epochs;

  @Option(names = "--validate-every", description = "Validate every N epochs (default 2).")
  Integer validateEvery;

  @Option(names = "--patience",
      description = "Validations without improvement before stopping (default 3).")
  Integer patience;

  @Option(names = "--seed", description = "Seed of initial weights and shuffles (default 43).")
  Long seed;

  @Option(names = "--validation-limit", defaultValue = "0",
      description = "Rank only the first N validation mentions (default 0 = all).")
  int validationLimit;

  @Option(names = "--hard-negatives", paramLabel = "G", defaultValue = "0",
      description = {"Build each batch from groups of G training mentions whose gold entities "
          + "are nearest neighbours in the frozen backbone's pooled space, so in-batch negatives "
          + "are hard (2..batch size). Default 0: spec 7's shuffled batches.",
          "The objective is unchanged; only which negatives share a batch."})
  int hardNegatives;

  @Option(names = "--train-limit", defaultValue = "0",
      description = "Train on the first N training mentions only (default 0 = all).")
  int trainLimit;

  @Override
  public Integer call() throws Exception {
    LinkingDataset dataset = options.openDataset();
    TrainingPreset preset = trainingData.preset(dataset);
    TrainSettings.Builder chosen = preset.schedule().validationLimit(validationLimit);
    if (batchSize != null) {
      chosen.batchSize(batchSize);
    }
    if (epochs != null) {
      chosen.epochs(epochs);
    }
    if (validateEvery != null) {
      chosen.validateEvery(validateEvery);
    }
    if (patience != null) {
      chosen.patience(patience);
    }
    if (seed != null) {
      chosen.seed(seed);
    }
    if (lr != null) {
      chosen.learningRate(lr);
    }
    TrainSettings settings = chosen.build();
    boolean endToEnd = model != null && !frozenTower();
    if (endToEnd && hardNegatives != 0) {
      throw invalid("--hard-negatives needs a frozen backbone's vectors; it cannot be combined "
          + "with end-to-end training (--model with an image tower, or --end-to-end)");
    }
    if (hardNegatives != 0 && (hardNegatives < 2 || hardNegatives > settings.batchSize())) {
      throw invalid("--hard-negatives must be 0 (shuffled "
          + "batches) or within 2..--batch-size (" + settings.batchSize() + "), got "
          + hardNegatives);
    }
    TrainingSplits splits =
        TrainingSplits.of(dataset, trainingData.devFromTrain, settings.seed());
    List<LabelledMention> train = splits.train();
    if (trainLimit > 0 && train.size() > trainLimit) {
      train = train.subList(0, trainLimit);
    }
    List<LabelledMention> dev = splits.dev();
    List<LabelledMention> validation = validationLimit > 0 && dev.size() > validationLimit
        ? dev.subList(0, validationLimit) : dev;
    int k = topK != null ? topK : preset.topK();
    TrainingRecord record = TrainingRecord.of(dataset.origin(), preset, settings, splits,
        regimeSettings(k, endToEnd));
    if (resume) {
      record.checkResumes(run);
    }
    out().printf(Locale.ROOT, "preset %s; dev: %s, %,d mentions%n", preset.id(),
        splits.devRecord().get("source"), dev.size());
    Trainer.Summary summary = endToEnd
        ? trainEndToEnd(dataset, settings, train, validation, record)
        : model != null ? trainOverModelTower(dataset, settings, train, validation, record)
        : trainOverFrozenText(dataset, settings, train, validation, k, record);
    out().println();
    out().println("| epoch | mean loss | CE terms | mentions/s | validation MRR "
        + "| seconds |");
    out().println("|---|---|---|---|---|---|");
    for (Trainer.EpochRecord r : summary.epochs()) {
      out().printf(Locale.ROOT, "| %d | %.4f | %s | %.1f | %s | %.0f |%n", r.epoch(),
          r.meanLoss(), r.termLosses() == null ? "" : Trainer.terms(r.termLosses(), 1),
          r.itemsPerSecond(),
          r.validationMrr() == null ? "" : String.format(Locale.ROOT, "%.2f",
              r.validationMrr()), r.seconds());
    }
    out().printf(Locale.ROOT, "best validation MRR %.2f at epoch %d%s; %.0f s; best "
        + "weights in %s%n", summary.bestMrr(), summary.bestEpoch(),
        summary.stoppedEarly() ? " (stopped early)" : "", summary.seconds(),
        run.resolve("best/weights.safetensors"));
    out().println(dataset.report().summary());
    return 0;
  }

  /** What this command resolved beyond the schedule, for run.json. */
  private Map<String, Object> regimeSettings(int k, boolean endToEnd) {
    Map<String, Object> settings = new LinkedHashMap<>();
    if (endToEnd) {
      settings.put("regime", "end to end from " + model.toAbsolutePath()
          + " (its config decides k, gate and lengths)");
    } else if (model != null) {
      settings.put("regime", "matcher of " + model.toAbsolutePath() + " over its frozen tower "
          + "(its config decides k, gate and lengths)");
      settings.put("hard_negatives", hardNegatives);
    } else {
      settings.put("regime", "matcher over frozen bge-small");
      settings.put("top_k", k);
      settings.put("gate", gate);
      settings.put("positions", positions);
      settings.put("hard_negatives", hardNegatives);
    }
    settings.put("train_limit", trainLimit);
    return settings;
  }

  private Trainer.Summary trainOverFrozenText(LinkingDataset dataset, TrainSettings settings,
      List<LabelledMention> train, List<LabelledMention> validation, int k,
      TrainingRecord record) throws IOException {
    List<LabelledMention> needed = new ArrayList<>(train);
    needed.addAll(validation);
    FrozenTextFeatures.Prepared prepared =
        FrozenTextFeatures.prepareOnnx(options.featureCache, positions, options.threads.count(),
            dataset.kb(), needed, progress("train"));
    FrozenTextRun runConfig = FrozenTextRun.of(prepared.backboneId(), 384, positions,
        new MatcherConfig(96, 4, k, GateMode.parse(gate), settings.batchSize()));
    runConfig.write(run);
    record.addTo(run);
    BatchOrder batchOrder = batchOrder(settings, dataset, train, prepared);
    out().printf(Locale.ROOT, "training %s over frozen bge-small: %d train / %d "
        + "validation mentions, KB %d, lr %s, batch %d, k %d, gate %s, %s%n", dataset.name(),
        train.size(), validation.size(), dataset.kb().size(),
        settings.optimiser().learningRate(), settings.batchSize(), k, gate,
        batchOrder.describe());
    try (Graph trainGraph = new Graph(); Session trainSession = new Session(trainGraph);
        Graph evalGraph = new Graph(); Session evalSession = new Session(evalGraph)) {
      TrainingGraph training =
          TrainingGraph.overFeatures(trainGraph, runConfig.inputs(), settings.optimiser());
      EvaluationGraph evaluation = EvaluationGraph.overFeatures(evalGraph, runConfig.inputs());
      Trainer trainer = new Trainer(training, trainSession, evaluation, evalSession,
          prepared.source(), settings, batchOrder, progress("train"));
      return trainer.train(dataset.kb(), train, validation, run,
          Trainer.initialWeights(training.layout(), settings.seed(), Map.of()), resume);
    }
  }

  /** A text-only model trains over its frozen tower unless end to end is asked for. */
  private boolean frozenTower() throws IOException {
    return !endToEndTower && !new ModelDirectory(model).readConfig().hasVision();
  }

  /**
   * Regime (b) from a model directory: the text-only model's matcher trained over its own
   * tower's cached features (the numbers serving computes), starting from the model's matcher
   * weights; the best weights are exported as the model directory RUN/model.
   */
  private Trainer.Summary trainOverModelTower(LinkingDataset dataset, TrainSettings settings,
      List<LabelledMention> train, List<LabelledMention> validation, TrainingRecord record)
      throws IOException {
    ModelDirectory start = new ModelDirectory(model);
    start.verify();
    ModelConfig config = start.readConfig();
    Map<String, float[]> startWeights = Checkpoint.read(start.weights());
    List<LabelledMention> needed = new ArrayList<>(train);
    needed.addAll(validation);
    FrozenTextFeatures.Prepared prepared;
    try (ModelTowerBackbone backbone =
        ModelTowerBackbone.open(start, options.threads.count())) {
      prepared = FrozenTextFeatures.prepare(options.featureCache, backbone, dataset.kb(), needed,
          progress("train"));
    }
    ModelRun.write(run, ModelRun.FROZEN_TOWER, model, config);
    record.addTo(run);
    BatchOrder batchOrder = batchOrder(settings, dataset, train, prepared);
    out().printf(Locale.ROOT, "training %s: the matcher of %s (%s, gate %s, k %d) over its "
        + "frozen tower: %d train / %d validation mentions, KB %d, lr %s, batch %d, %s%n",
        dataset.name(), model, config.name(), config.matcher().gateMode().id(),
        config.matcher().topK(), train.size(), validation.size(), dataset.kb().size(),
        settings.optimiser().learningRate(), settings.batchSize(), batchOrder.describe());
    Trainer.Summary summary;
    try (Graph trainGraph = new Graph(); Session trainSession = new Session(trainGraph);
        Graph evalGraph = new Graph(); Session evalSession = new Session(evalGraph)) {
      TrainingGraph training = TrainingGraph.overFeatures(trainGraph, config.matcherInputs(),
          settings.optimiser());
      EvaluationGraph evaluation = EvaluationGraph.overFeatures(evalGraph,
          config.matcherInputs());
      Trainer trainer = new Trainer(training, trainSession, evaluation, evalSession,
          prepared.source(), settings, batchOrder, progress("train"));
      summary = trainer.train(dataset.kb(), train, validation, run,
          FrozenTextModel.headWeights(config, startWeights), resume);
    }
    String version = ModelRun.export(run, config, startWeights, start.clipVocabulary());
    out().printf(Locale.ROOT, "exported the best weights as model %s in %s%n", version,
        ModelRun.modelDirectory(run));
    return summary;
  }

  private BatchOrder batchOrder(TrainSettings settings, LinkingDataset dataset,
      List<LabelledMention> train, FrozenTextFeatures.Prepared prepared) throws IOException {
    return hardNegatives == 0
        ? new ShuffledBatches(settings.batchSize(), settings.seed())
        : NeighbourBatches.of(train, goldVectors(dataset, train, prepared), settings.batchSize(),
            hardNegatives, settings.seed(), progress("hard batches"));
  }

  /**
   * Regime (a): CLIP towers and matcher trained together from a model directory; the best
   * weights are exported as the model directory RUN/model (SavedModel included).
   */
  private Trainer.Summary trainEndToEnd(LinkingDataset dataset, TrainSettings settings,
      List<LabelledMention> train, List<LabelledMention> validation, TrainingRecord record)
      throws IOException {
    ModelDirectory start = new ModelDirectory(model);
    start.verify();
    ModelConfig config = start.readConfig();
    Map<String, float[]> startWeights = Checkpoint.read(start.weights());
    ModelRun.write(run, ModelRun.END_TO_END, model, config);
    record.addTo(run);
    TokenSideSource source = TokenSideSource.forModel(start);
    BatchOrder batchOrder = new ShuffledBatches(settings.batchSize(), settings.seed());
    out().printf(Locale.ROOT, "training %s end to end from %s (%s, gate %s, k %d): %d "
        + "train / %d validation mentions, KB %d, lr %s, batch %d, %s%n", dataset.name(), model,
        config.name(), config.matcher().gateMode().id(), config.matcher().topK(), train.size(),
        validation.size(), dataset.kb().size(), settings.optimiser().learningRate(),
        settings.batchSize(), batchOrder.describe());
    Trainer.Summary summary;
    try (Graph trainGraph = new Graph(); Session trainSession = new Session(trainGraph);
        Graph evalGraph = new Graph(); Session evalSession = new Session(evalGraph)) {
      TrainingGraph training =
          TrainingGraph.endToEnd(trainGraph, config, settings.optimiser());
      EvaluationGraph evaluation = EvaluationGraph.endToEnd(evalGraph, config);
      Trainer trainer = new Trainer(training, trainSession, evaluation, evalSession, source,
          settings, batchOrder, progress("train"));
      summary = trainer.train(dataset.kb(), train, validation, run, startWeights, resume);
    }
    String version = ModelRun.export(run, config, startWeights, start.clipVocabulary());
    out().printf(Locale.ROOT, "exported the best weights as model %s in %s%n", version,
        ModelRun.modelDirectory(run));
    if (source.unreadableImages() > 0) {
      out().printf(Locale.ROOT, "%,d images could not be decoded and were fed as none "
          + "(zeros)%n", source.unreadableImages());
    }
    return summary;
  }

  /** The backbone's pooled (L2-normalised) vector of every gold entity of the training set. */
  private static Map<String, float[]> goldVectors(LinkingDataset dataset,
      List<LabelledMention> train, FrozenTextFeatures.Prepared prepared) throws IOException {
    Map<String, KbEntity> byQid = new HashMap<>();
    dataset.kb().forEach(e -> byQid.put(e.qid(), e));
    List<String> golds = train.stream().map(LabelledMention::answerQid).distinct().toList();
    float[] pooled = prepared.source().cache().readPooled(golds.stream()
        .map(q -> FrozenTextSource.entityText(byQid.get(q))).toList());
    int width = pooled.length / Math.max(1, golds.size());
    Map<String, float[]> vectors = new HashMap<>();
    for (int i = 0; i < golds.size(); i++) {
      vectors.put(golds.get(i), Arrays.copyOfRange(pooled, i * width, (i + 1) * width));
    }
    return vectors;
  }
}
