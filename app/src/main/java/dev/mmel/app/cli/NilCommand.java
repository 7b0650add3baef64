package dev.mmel.app.cli;

import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.data.LinkingDataset;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.serving.link.NilCalibration;
import dev.mmel.serving.state.NilThresholdFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "nil", mixinStandardHelpOptions = true,
    description = {"The NIL threshold: a mention whose best score is under it links to no "
        + "entity. Measured through a running `mmel serve` on labelled mentions, each linked "
        + "twice: as it is, and with its gold entity excluded from the search and from DME "
        + "(as if the KB lacked it, so NIL is the right answer)."},
    subcommands = {NilCommand.Calibrate.class, NilCommand.Measure.class})
public final class NilCommand {

  static final class Served {
    @Option(names = "--target", defaultValue = "127.0.0.1:50051", paramLabel = "HOST:PORT",
        description = "The server (default ${DEFAULT-VALUE}); it must serve the KB the "
            + "mentions link to.")
    String target;

    @Option(names = "--split", defaultValue = "dev", description = "Split (default ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--limit", defaultValue = "0",
        description = "Only the first N mentions of the split (default 0 = all).")
    int limit;

    List<LabelledMention> mentions(LinkingDataset dataset) {
      List<LabelledMention> mentions = dataset.split(split);
      return limit > 0 && mentions.size() > limit ? mentions.subList(0, limit) : mentions;
    }
  }

  @Command(name = "calibrate", mixinStandardHelpOptions = true,
      description = {"Chooses the threshold that answers most mentions right on a split (dev "
          + "by default), counting each mention once linked and once as NIL, and writes it "
          + "beside the model as nil-threshold.json, which `mmel serve` applies (a call's "
          + "nil_threshold overrides it). The model's version does not change."})
  static final class Calibrate extends MmelCommand {
    @Mixin
    FrozenTextOptions data = new FrozenTextOptions();

    @Mixin
    Served served = new Served();

    @Option(names = "--model", required = true, paramLabel = "DIR",
        description = "The model directory the server serves: nil-threshold.json goes there.")
    Path model;

    @Override
    public Integer call() throws Exception {
      if (!Files.isRegularFile(new ModelDirectory(model).manifest())) {
        throw invalid("--model " + model + " is not a model directory (no manifest.json)");
      }
      LinkingDataset dataset = data.openDataset();
      List<LabelledMention> mentions = served.mentions(dataset);
      NilCalibration.Outcome outcome;
      try (ServedRanking ranking = new ServedRanking(served.target)) {
        ServedRanking.TopAnswers linked = ranking.top(mentions, false, progress("nil"));
        ServedRanking.TopAnswers nil = ranking.top(mentions, true, progress("nil"));
        outcome = NilCalibration.calibrate(linked.scores(), linked.gold(), nil.scores());
      }
      Map<String, Object> details = outcome.toJson();
      details.remove("threshold");
      details.put("dataset", dataset.name());
      details.put("split", served.split);
      NilThresholdFile.write(model, outcome.threshold(), dataset.name() + " " + served.split,
          details);
      print(this, outcome);
      out().println("wrote " + model.resolve(NilThresholdFile.NAME) + "; a running server "
          + "applies it once it loads the model again (a new build, or a restart)");
      return 0;
    }
  }

  @Command(name = "measure", mixinStandardHelpOptions = true,
      description = "NIL precision and recall, and linking accuracy, of a threshold on a split "
          + "(test by default).")
  static final class Measure extends MmelCommand {
    @Mixin
    FrozenTextOptions data = new FrozenTextOptions();

    @Mixin
    Served served = new Served();

    @Option(names = "--threshold", paramLabel = "S",
        description = "The threshold to measure (default: the --model's nil-threshold.json).")
    Float threshold;

    @Option(names = "--model", paramLabel = "DIR",
        description = "Model directory whose calibrated threshold is measured.")
    Path model;

    @Override
    public Integer call() throws Exception {
      if (threshold == null && model == null) {
        throw invalid("give --threshold S, or --model DIR with a nil-threshold.json");
      }
      float chosen = threshold != null ? threshold : NilThresholdFile.read(model)
          .orElseThrow(() -> invalid("--model " + model + " has no " + NilThresholdFile.NAME
              + "; run `mmel nil calibrate` first"))
          .value();
      if (served.split.equals("dev") && !data.isDefaultData()) {
        err().println("note: measuring on the split the threshold may have been chosen on");
      }
      LinkingDataset dataset = data.openDataset();
      List<LabelledMention> mentions = served.mentions(dataset);
      try (ServedRanking ranking = new ServedRanking(served.target)) {
        ServedRanking.TopAnswers linked = ranking.top(mentions, false, progress("nil"));
        ServedRanking.TopAnswers nil = ranking.top(mentions, true, progress("nil"));
        print(this, NilCalibration.measure(chosen, linked.scores(), linked.gold(),
            nil.scores()));
      }
      return 0;
    }
  }

  private static void print(MmelCommand command, NilCalibration.Outcome outcome) {
    command.out().println("| threshold | mentions | accuracy (both cases) | NIL precision "
        + "| NIL recall | linked H@1 with NIL | linked H@1 without NIL |");
    command.out().println("|---|---|---|---|---|---|---|");
    command.out().printf(Locale.ROOT, "| %.4f | %d | %.2f | %.2f | %.2f | %.2f | %.2f |%n",
        outcome.threshold(), outcome.cases(), outcome.accuracy(), outcome.nilPrecision(),
        outcome.nilRecall(), outcome.linkedAccuracy(), outcome.linkedAccuracyWithoutNil());
  }
}
