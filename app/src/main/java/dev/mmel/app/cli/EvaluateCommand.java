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
import dev.mmel.model.train.EndToEndRun;
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
        "A run trained over frozen bge-small by `mmel train` (its best weights), a CLIP model "
        + "directory ranked end to end, or the untrained bge-small dual encoder (cosine of "
        + "pooled vectors)."})
public final class EvaluateCommand extends MmelCommand {
  @Mixin
  FrozenTextOptions options = new FrozenTextOptions();
  static final class Subject {
    @Option(names = "--run", paramLabel = "DIR", description = "A run directory of `mmel train`.")
    Path run;

    @Option(names = "--model", paramLabel = "DIR",
        description = "A CLIP model directory (`mmel model init|import`, or RUN/model of an "
            + "end-to-end `mmel train --model` run), ranked end to end from token ids and "
            + "pixels.")
    Path model;

    @Option(names = "--dual-encoder",
        description = "The frozen bge-small dual encoder alone, no training.")
    boolean dualEncoder;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Subject subject;



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
    Map<String, Object> report = new LinkedHashMap<>();
    int[] ranks;
    long exactPairs = -1;
    long pairs = -1;
    long rankStart;
    if (subject.model != null) {
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
      FrozenTextFeatures.Prepared prepared = FrozenTextFeatures.prepare(options.featureCache,
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
    report.put("settings", settings());
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

  /** How this evaluation was asked for, resolved. */
  private Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("split", split);
    settings.put("limit", limit);
    settings.put("kb_chunk", kbChunk);
    if (subject.dualEncoder) {
      settings.put("positions", positions);
    }
    if (subject.model == null) {
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
      if (runDir != null && EndToEndRun.modelDirectory(runDir)
          .equals(subject.model.toAbsolutePath().normalize())) {
        return TrainingRecord.read(runDir);
      }
    }
    return Optional.empty();
  }
}
