package dev.mmel.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.data.KbDigest;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.data.LinkingDataset;
import dev.mmel.model.eval.DualEncoderRanker;
import dev.mmel.model.eval.ExhaustiveRanker;
import dev.mmel.model.eval.RankMetrics;
import dev.mmel.model.eval.RankedMention;
import dev.mmel.model.features.TokenSideSource;
import dev.mmel.model.frozen.FrozenTextFeatures;
import dev.mmel.model.frozen.FrozenTextModel;
import dev.mmel.model.graph.EvaluationGraph;
import dev.mmel.model.io.Checkpoint;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.train.ModelRun;
import dev.mmel.model.train.TrainingRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = {"Rank every mention of a split against the whole KB (spec 8) and report "
        + "Hits@1/3/5/10/20, mean rank and MRR as a table and a JSON report (with every "
        + "mention's rank, for `mmel compare`, and how the model was trained).",
        "A model directory, a run trained over the int8 bge-small backbone by `mmel train` "
        + "(its best weights), or the untrained int8 bge-small dual encoder (cosine of pooled "
        + "vectors)."})
public final class EvaluateCommand extends MmelCommand {
  @Mixin
  FrozenTextOptions options = new FrozenTextOptions();
  static final class Subject {
    @Option(names = "--run", paramLabel = "DIR", description = "A run directory of `mmel train`.")
    Path run;

    @Option(names = "--model", paramLabel = "DIR",
        description = "A model directory (`mmel model init|import`, or RUN/model of a "
            + "`mmel train --model` run). A CLIP model is ranked end to end from token ids and "
            + "pixels; a text-only one over its tower's cached features (the same numbers; "
            + "--through-tower runs the tower for every text instead).")
    Path model;

    @Option(names = "--served", paramLabel = "HOST:PORT",
        description = "A running `mmel serve`: each mention linked through it (DME, ANN top-K, "
            + "rerank) for each --candidates-k, with where each missed gold entity was lost.")
    String served;

    @Option(names = "--dual-encoder",
        description = "The frozen bge-small dual encoder alone, no training.")
    boolean dualEncoder;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Subject subject;

  @Option(names = "--through-tower",
      description = "With a text-only --model: rank from token ids through the whole model, "
          + "as for a CLIP model, instead of over cached tower features.")
  boolean throughTower;

  @Option(names = "--candidates-k", split = ",", defaultValue = "10,50,100,200",
      paramLabel = "K", description = "With --served: the K values to link with "
          + "(default ${DEFAULT-VALUE}; the server's --max-top-k must allow the largest).")
  List<Integer> candidatesK;

  @Option(names = "--exhaustive", paramLabel = "FILE",
      description = "With --served: the JSON report of `mmel evaluate --model` on the same "
          + "split, to print each K's H@1 difference from the exhaustive ranking of the same "
          + "mentions.")
  Path exhaustive;

  @Option(names = "--split", defaultValue = "test", description = "Split to rank (default test).")
  String split;

  @Option(names = "--limit", defaultValue = "0",
      description = "Rank only the first N mentions of the split (default 0 = all).")
  int limit;

  @Option(names = "--positions", defaultValue = "50",
      description = "Backbone text positions for --dual-encoder (default 50).")
  int positions;

  @Option(names = "--kb-chunk", defaultValue = "2048",
      description = "Entities encoded and scored at once (bounds memory; default 2048).")
  int kbChunk;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the JSON report here.")
  Path json;

  @Override
  public Integer call() throws Exception {
    long started = System.nanoTime();
    LinkingDataset dataset = options.openDataset();
    List<LabelledMention> mentions =
        dataset.requireMentions(split, "pass --split with a split that has mentions");
    if (limit > 0 && mentions.size() > limit) {
      mentions = mentions.subList(0, limit);
    }
    if (subject.served != null) {
      return evaluateServed(dataset, mentions);
    }
    Map<String, Object> report = new LinkedHashMap<>();
    int[] ranks;
    long exactPairs = -1;
    long pairs = -1;
    long rankStart;
    boolean overCachedFeatures = subject.model == null || !throughTower
        && !new ModelDirectory(subject.model).readConfig().hasVision();
    if (subject.model != null && overCachedFeatures) {
      ModelDirectory directory = new ModelDirectory(subject.model);
      directory.verify();
      try (FrozenTextModel model = FrozenTextModel.openModel(directory, options.featureCache,
          options.threads.count(), dataset.kb(), mentions, progress("evaluate"))) {
        ModelConfig config = directory.readConfig();
        report.put("model", "MMoE matcher over the frozen tower (" + config.name() + ", gate "
            + config.matcher().gateMode().id() + ")");
        report.put("model_version", model.modelVersion());
        rankStart = System.nanoTime();
        ExhaustiveRanker.Outcome outcome = new ExhaustiveRanker(model.evaluation(),
            model.session(), model.source(), kbChunk)
            .rank(dataset.kb(), mentions, progress("ranking"));
        ranks = outcome.ranks();
        exactPairs = outcome.exactPairs();
        pairs = outcome.pairs();
      }
    } else if (subject.model != null) {
      ModelDirectory directory = new ModelDirectory(subject.model);
      directory.verify();
      ModelConfig config = directory.readConfig();
      report.put("model", "MMoE end to end (" + config.name() + ", gate "
          + config.matcher().gateMode().id() + ")");
      report.put("model_version", directory.version());
      TokenSideSource source = TokenSideSource.forModel(directory);
      rankStart = System.nanoTime();
      try (Graph graph = new Graph(); Session session = new Session(graph)) {
        EvaluationGraph evaluation = EvaluationGraph.endToEnd(graph, config);
        evaluation.writeParameters(session, Checkpoint.read(directory.weights()));
        ExhaustiveRanker.Outcome outcome = new ExhaustiveRanker(evaluation, session, source,
            kbChunk).rank(dataset.kb(), mentions, progress("ranking"));
        ranks = outcome.ranks();
        exactPairs = outcome.exactPairs();
        pairs = outcome.pairs();
      }
      report.put("unreadable_images", source.unreadableImages());
    } else if (subject.run == null) {
      FrozenTextFeatures.Prepared prepared = FrozenTextFeatures.prepareOnnx(options.featureCache,
          positions, options.threads.count(), dataset.kb(), mentions, progress("evaluate"));
      report.put("model", "bge-small dual encoder (cosine of pooled vectors, untrained)");
      report.put("model_version", prepared.backboneId());
      rankStart = System.nanoTime();
      ranks = new DualEncoderRanker(prepared.source().cache())
          .rank(dataset.kb(), mentions, progress("ranking"));
    } else {
      try (FrozenTextModel run = FrozenTextModel.open(subject.run, options.featureCache,
          options.threads.count(), dataset.kb(), mentions, progress("evaluate"))) {
        report.put("model", "MMoE matcher over frozen bge-small, gate "
            + run.config().inputs().matcher().gateMode().id());
        report.put("model_version", run.modelVersion());
        rankStart = System.nanoTime();
        ExhaustiveRanker.Outcome outcome = new ExhaustiveRanker(run.evaluation(),
            run.session(), run.source(), kbChunk)
            .rank(dataset.kb(), mentions, progress("ranking"));
        ranks = outcome.ranks();
        exactPairs = outcome.exactPairs();
        pairs = outcome.pairs();
      }
    }
    double rankSeconds = (System.nanoTime() - rankStart) / 1e9;
    RankMetrics metrics = RankMetrics.of(ranks);
    out().print(metrics.table());
    report.put("dataset", dataset.name());
    report.put("dataset_source", dataset.origin().toJson());
    report.put("split", split);
    report.put("kb_size", dataset.kb().size());
    report.put("kb_sha256", KbDigest.of(dataset.kb()));
    report.put("settings", settings(overCachedFeatures));
    trainingRecord().ifPresent(record -> report.put("training", record));
    report.put("metrics", metrics.toJson());
    if (pairs >= 0) {
      report.put("pairs", pairs);
      report.put("pairs_scored_exactly", exactPairs);
    }
    report.put("ranking_seconds", rankSeconds);
    report.put("wall_seconds", (System.nanoTime() - started) / 1e9);
    report.put("peak_rss_mb", PeakMemory.residentMegabytes());
    report.put("dataset_report", dataset.report().toJson());
    report.put("ranks", RankedMention.of(mentions, ranks).stream()
        .map(RankedMention::toJson).toList());
    out().printf(java.util.Locale.ROOT, "ranked %d mentions against %d entities in %.1f s"
        + "%s; peak RSS %d MB%n", mentions.size(), dataset.kb().size(), rankSeconds,
        pairs > 0 ? String.format(java.util.Locale.ROOT, " (%.2f%% of pairs scored exactly)",
            100.0 * exactPairs / pairs) : "", PeakMemory.residentMegabytes());
    out().println(dataset.report().summary());
    if (json != null) {
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(json.toFile(), report);
      out().println("report: " + json);
    }
    return 0;
  }

  private int evaluateServed(LinkingDataset dataset, List<LabelledMention> mentions)
      throws Exception {
    for (int k : candidatesK) {
      if (k < 1) {
        throw invalid("--candidates-k values must be >= 1, got " + k);
      }
    }
    Double exhaustiveHits1 = exhaustive == null ? null : exhaustiveHits1(mentions);
    List<Map<String, Object>> rows = new java.util.ArrayList<>();
    out().println("| K | mentions | H@1 | H@5 | MRR | gold not retrieved | gold retrieved, "
        + "reranked below 1 |" + (exhaustiveHits1 == null ? "" : " H@1 - exhaustive |"));
    out().println("|---|---|---|---|---|---|---|" + (exhaustiveHits1 == null ? "" : "---|"));
    ServedRanking.Photos photos = null;
    try (ServedRanking served = new ServedRanking(subject.served)) {
      for (int k : candidatesK) {
        ServedRanking.Ranks ranks = served.ranks(mentions, k, progress("evaluate"));
        ServedMetrics metrics = ServedMetrics.of(ranks.ranks());
        out().printf(java.util.Locale.ROOT, "| %d | %d | %.2f | %.2f | %.2f | %d | %d |%s%n", k,
            metrics.mentions(), metrics.hits1(), metrics.hits5(), metrics.mrr(),
            metrics.notRetrieved(), metrics.rerankedBelow(), exhaustiveHits1 == null ? ""
                : String.format(java.util.Locale.ROOT, " %+.2f |",
                    metrics.hits1() - exhaustiveHits1));
        Map<String, Object> row = metrics.toJson();
        row.put("candidates_k", k);
        row.put("dme_differing_from_dataset", ranks.descriptionsDiffering());
        row.put("photos_sent", ranks.photos().sent());
        row.put("photos_left_out", ranks.photos().leftOut());
        photos = ranks.photos();
        if (ranks.descriptionsDiffering() > 0) {
          err().printf(java.util.Locale.ROOT, "K %d: the server's DME described %d mentions "
              + "otherwise than the dataset%n", k, ranks.descriptionsDiffering());
        }
        rows.add(row);
      }
    }
    out().printf(java.util.Locale.ROOT, "%nphotos: %d mentions sent with theirs; %d left out "
        + "(unreadable, or refused by the server), as `mmel evaluate` leaves out an unreadable "
        + "one%n", photos.sent(), photos.leftOut());
    if (json != null) {
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("served", subject.served);
      report.put("dataset", dataset.name());
      report.put("split", split);
      report.put("by_candidates_k", rows);
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(json.toFile(), report);
      out().println("report: " + json);
    }
    return 0;
  }

  /**
   * H@1 of the exhaustive report over exactly these mentions, paired by sample and mention index,
   * so a --limit or a report of a larger run still compares like with like.
   */
  private double exhaustiveHits1(List<LabelledMention> mentions) throws IOException {
    Map<RankedMention.Key, Integer> byKey = new java.util.HashMap<>();
    EvaluationReportFile.read(exhaustive).ranks()
        .forEach(ranked -> byKey.put(ranked.key(), ranked.rank()));
    int first = 0;
    for (RankedMention mention : RankedMention.of(mentions, new int[mentions.size()])) {
      Integer rank = byKey.get(mention.key());
      if (rank == null) {
        throw invalid("--exhaustive " + exhaustive + " has no rank for " + mention.key()
            + " (" + mention.mention() + "): pass the report of `mmel evaluate --model` on the "
            + "same --data and --split");
      }
      first += rank == 1 ? 1 : 0;
    }
    return 100.0 * first / mentions.size();
  }

  /** How this evaluation was asked for, resolved. */
  private Map<String, Object> settings(boolean overCachedFeatures) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("split", split);
    settings.put("limit", limit);
    settings.put("kb_chunk", kbChunk);
    if (subject.dualEncoder) {
      settings.put("positions", positions);
    }
    if (subject.model != null) {
      settings.put("through_tower", throughTower);
    }
    if (overCachedFeatures) {
      settings.put("feature_cache", options.featureCache.toAbsolutePath().toString());
    }
    return settings;
  }

  /**
   * What the evaluated run was trained with (its run.json record): a --run, or a --model that
   * is the model directory an end-to-end run exported.
   */
  private Optional<JsonNode> trainingRecord() throws IOException {
    if (subject.run != null) {
      return TrainingRecord.read(subject.run);
    }
    if (subject.model != null) {
      Path runDir = subject.model.toAbsolutePath().normalize().getParent();
      if (runDir != null && ModelRun.modelDirectory(runDir)
          .equals(subject.model.toAbsolutePath().normalize())) {
        return TrainingRecord.read(runDir);
      }
    }
    return Optional.empty();
  }
}
