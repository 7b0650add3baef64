package dev.mmel.app.cli;

import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelConfigJson;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.data.WikiMel;
import dev.mmel.model.image.ImagePreprocessor;
import dev.mmel.model.io.MatcherStart;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.io.ModelExporter;
import dev.mmel.model.io.WeightImporter;
import dev.mmel.model.params.ParameterGroup;
import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.runtime.FrozenMeanCalibrator;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.model.text.LinkingTexts;
import dev.mmel.model.text.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "model", mixinStandardHelpOptions = true,
    description = "Create, import, export and inspect model directories.",
    subcommands = {ModelCommand.Init.class, ModelCommand.Import.class, ModelCommand.Export.class,
        ModelCommand.Calibrate.class, ModelCommand.Info.class})
public final class ModelCommand {

  /** Options that adjust a config's matcher, shared by init and import. */
  static final class MatcherOverrides {
    @Option(names = "--gate", paramLabel = "MODE",
        description = "Gate mode: per_token (default of the presets) or faithful.")
    String gate;

    @Option(names = "--top-k", paramLabel = "K",
        description = "Experts kept per token (spec: WikiMEL 3, RichpediaMEL 4, WikiDiverse 2).")
    Integer topK;

    ModelConfig apply(ModelConfig config) {
      ModelConfig result = config;
      if (gate != null) {
        result = result.withMatcher(result.matcher().withGateMode(GateMode.parse(gate)));
      }
      if (topK != null) {
        result = result.withMatcher(result.matcher().withTopK(topK));
      }
      return result;
    }
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = "Create a model directory with random weights (for tests and demos).")
  static final class Init extends MmelCommand {
    @Option(names = "--config", required = true, paramLabel = "C",
        description = "A preset (clip-vit-base-patch32, tiny) or a JSON config file.")
    String config;

    @Option(names = "--out", required = true, paramLabel = "DIR",
        description = "New model directory (must not hold a model yet).")
    Path out;

    @Option(names = "--seed", defaultValue = "43", description = "Random seed (default 43).")
    long seed;

    @picocli.CommandLine.Mixin
    MatcherOverrides overrides = new MatcherOverrides();

    @Override
    public Integer call() throws Exception {
      ModelConfig resolved = overrides.apply(ModelConfigJson.resolve(config));
      ConsoleProgress progress = progress("model init");
      progress.step("writing " + String.format(Locale.ROOT, "%,d",
          ParameterLayout.of(resolved).totalCount()) + " random parameters and exporting");
      String version = ModelCreator.initRandom(resolved, seed, SharedData.file(SharedData.CLIP_VOCAB), out);
      progress.done(out + " (" + version + ")");
      out().println(version);
      return 0;
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = {"Create a model directory from safetensors checkpoints: a Hugging Face "
          + "CLIPModel checkpoint, a reference MMoE checkpoint (spec section 10 names), or both; "
          + "or, with --bge-small, a text-only model whose BERT tower is bge-small-en-v1.5 "
          + "(fp32 weights from the langchain4j jar) and whose matcher comes from --weights "
          + "(e.g. a run's best/weights.safetensors) or starts new.",
          "Missing, unexpected or mis-shaped tensors are listed and nothing is written."})
  static final class Import extends MmelCommand {
    @Option(names = "--weights", arity = "1..*", paramLabel = "FILE",
        description = "One or more .safetensors files (F32, F16 or BF16); required unless "
            + "--bge-small.")
    List<Path> weights = List.of();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New model directory.")
    Path out;

    @Option(names = "--bge-small",
        description = "Take the text tower from bge-small-en-v1.5 (config default "
            + ModelPresets.BGE_SMALL_EN_V15 + ").")
    boolean bgeSmall;

    @Option(names = "--matcher-start", defaultValue = "dual-encoder", paramLabel = "S",
        description = {"With --bge-small, how a matcher no file gives starts: dual-encoder "
            + "(residual branches closed, so the untrained model ranks as the tower's dual "
            + "encoder; the default) or random (the reference's initialisation)."})
    String matcherStart;

    @Option(names = "--config", paramLabel = "C",
        description = "A preset or JSON config file (default " + ModelPresets.CLIP_VIT_BASE_PATCH32
            + ", or " + ModelPresets.BGE_SMALL_EN_V15 + " with --bge-small).")
    String config;

    @Option(names = "--init-missing",
        description = "Fill parameters no file provides with random values (e.g. a new matcher "
            + "on a pretrained CLIP) instead of failing.")
    boolean initMissing;

    @Option(names = "--seed", defaultValue = "43", description = "Seed for --init-missing.")
    long seed;

    @picocli.CommandLine.Mixin
    MatcherOverrides overrides = new MatcherOverrides();

    @Override
    public Integer call() throws Exception {
      if (!bgeSmall && weights.isEmpty()) {
        throw invalid("--weights is required (or --bge-small for the bge-small-en-v1.5 tower)");
      }
      MatcherStart start;
      try {
        start = MatcherStart.parse(matcherStart);
      } catch (IllegalArgumentException e) {
        throw invalid("--matcher-start: " + e.getMessage());
      }
      String chosen = config != null ? config
          : bgeSmall ? ModelPresets.BGE_SMALL_EN_V15 : ModelPresets.CLIP_VIT_BASE_PATCH32;
      ModelConfig resolved = overrides.apply(ModelConfigJson.resolve(chosen));
      ConsoleProgress progress = progress("model import");
      WeightImporter.Report report;
      if (bgeSmall) {
        progress.step("bge-small-en-v1.5 tower" + (weights.isEmpty() ? ", a new "
            + start.id() + " matcher" : " and " + weights.size() + " head file(s)") + " -> "
            + resolved.name());
        report = WeightImporter.importBgeSmall(resolved, weights, seed, start, out);
      } else {
        progress.step("mapping " + weights.size() + " file(s) onto " + resolved.name());
        report = WeightImporter.importInto(resolved, weights, initMissing, seed,
            SharedData.file(SharedData.CLIP_VOCAB), out);
      }
      report.importedPerFile().forEach((file, count) ->
          err().println("  " + count + " tensors from " + file));
      if (!report.initialised().isEmpty()) {
        err().println("  " + report.initialised().size() + " tensors initialised: "
            + abbreviate(report.initialised()));
      }
      if (!report.ignored().isEmpty()) {
        err().println("  " + report.ignored().size() + " non-weight buffers ignored: "
            + abbreviate(report.ignored()));
      }
      progress.done(out + " (" + report.version() + ")");
      out().println(report.version());
      return 0;
    }

    private static String abbreviate(List<String> names) {
      return names.size() <= 6 ? String.join(", ", names)
          : String.join(", ", names.subList(0, 6)) + ", ... (" + (names.size() - 6) + " more)";
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = {"Re-export a model directory's SavedModel from its config.json and "
          + "weights.safetensors (after editing the config or replacing the weights), and "
          + "rewrite its manifest."})
  static final class Export extends MmelCommand {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory.")
    Path model;

    @Override
    public Integer call() throws Exception {
      ConsoleProgress progress = progress("model export");
      progress.step("building the graph, loading weights, writing saved_model/");
      String version = ModelExporter.export(new ModelDirectory(model));
      progress.done(model + " (" + version + ")");
      out().println(version);
      return 0;
    }
  }

  @Command(name = "calibrate", mixinStandardHelpOptions = true,
      description = {"Faithful-gate models: measure the frozen gate means (spec section 4) on "
          + "WikiMEL training pairs, each mention with its gold entity as a training batch pairs "
          + "them, store them in the weights and re-export (a new version id).",
          "Serving then divides by these constants instead of its batch's mean, so an entity "
          + "always gets one vector."})
  static final class Calibrate extends MmelCommand {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory.")
    Path model;

    @Option(names = "--split", defaultValue = "train", description = "WikiMEL split (default train).")
    String split;

    @Option(names = "--pairs", defaultValue = "3200",
        description = "Mention/entity pairs to average over (default ${DEFAULT-VALUE}).")
    int pairs;

    @Option(names = "--seed", defaultValue = "43", description = "Sampling seed.")
    long seed;

    @Override
    public Integer call() throws Exception {
      if (pairs < 1 || pairs > 1_000_000) {
        throw new IllegalArgumentException("--pairs must be in [1, 1000000], got " + pairs);
      }
      ConsoleProgress progress = progress("model calibrate");
      ModelDirectory directory = new ModelDirectory(model);
      ModelConfig config = directory.readConfig();
      WikiMel wikimel = WikiMel.load(SharedData.file("wikimel"));
      TextTokenizer tokenizer = directory.tokenizer();
      ImagePreprocessor images =
          config.hasVision() ? ImagePreprocessor.forConfig(config) : null;
      List<WikiMel.Mention> mentions = new java.util.ArrayList<>(wikimel.mentions(split));
      java.util.Collections.shuffle(mentions, new java.util.Random(seed));
      mentions = mentions.subList(0, Math.min(pairs, mentions.size()));
      int n = mentions.size();
      int length = config.contextLength();
      float[][] mentionPixels = new float[n][];
      for (int i = 0; i < n; i++) {
        if (images != null && mentions.get(i).imagePath() != null) {
          mentionPixels[i] = images.preprocess(mentions.get(i).imagePath());
        }
      }
      FrozenMeanCalibrator.Pairs data = new FrozenMeanCalibrator.Pairs(
          tokenizer.encodeBatch(mentions.stream()
              .map(m -> LinkingTexts.mention(m.surface(), m.sentence(), "")).toList(), length),
          mentionPixels,
          tokenizer.encodeBatch(mentions.stream().map(m -> LinkingTexts.entity(
              wikimel.name(m.goldQid()), wikimel.abstractOf(m.goldQid()))).toList(), length),
          new float[n][]);
      progress.step("measuring gate statistics on " + n + " " + split + " pairs");
      String version = FrozenMeanCalibrator.calibrate(model, data,
          (done, total) -> progress.count(done, total, "pairs"));
      progress.done(model + " (" + version + ")");
      out().println(version);
      return 0;
    }
  }

  @Command(name = "info", mixinStandardHelpOptions = true,
      description = "Print a model directory's config, parameter counts and version id.")
  static final class Info extends MmelCommand {
    @Parameters(index = "0", paramLabel = "DIR", description = "Model directory.")
    Path model;

    @Option(names = "--signatures",
        description = "Also load the SavedModel and list its signatures with their shapes.")
    boolean signatures;

    @Option(names = "--verify", description = "Check every file against the manifest's SHA-256.")
    boolean verify;

    @Override
    public Integer call() throws Exception {
      ModelDirectory directory = new ModelDirectory(model);
      ModelConfig config = directory.readConfig();
      ParameterLayout layout = ParameterLayout.of(config);
      Map<ParameterGroup, Long> counts = layout.countsByGroup();
      out().println("model directory  " + model.toAbsolutePath());
      out().println("version          " + directory.version());
      out().printf(Locale.ROOT, "config           %s: text (%s) %dx%d (%d heads), %s, "
              + "projection %d, context %d%n", config.name(), config.text().kind().id(),
          config.text().layers(), config.text().width(), config.text().heads(),
          config.hasVision() ? String.format(Locale.ROOT, "vision %dx%d (patch %d, %d "
              + "positions)", config.vision().layers(), config.vision().width(),
              config.vision().patchSize(), config.vision().positions()) : "no vision tower",
          config.projectionDim(), config.contextLength());
      out().printf(Locale.ROOT, "matcher          hidden %d, %d experts, top-k %d, gate %s%n",
          config.matcher().hiddenDim(), config.matcher().experts(), config.matcher().topK(),
          config.matcher().gateMode().id());
      out().println("inputs           image " + config.preprocessing().image().id()
          + ", text " + config.preprocessing().text().id());
      out().printf(Locale.ROOT, "parameters       backbone %,d | projections %,d | matcher %,d"
              + " | gate statistics %,d | total %,d%n",
          counts.get(ParameterGroup.BACKBONE), counts.get(ParameterGroup.PROJECTIONS),
          counts.get(ParameterGroup.MATCHER), counts.get(ParameterGroup.GATE_STATISTICS),
          layout.totalCount());
      out().printf(Locale.ROOT, "retrieval vector %d floats; rerank features %d floats "
              + "per entity%n", config.retrievalDim(),
          2 * config.matcher().hiddenDim() + (config.contextLength()
              + config.imagePositions()) * config.matcher().hiddenDim());
      out().printf(Locale.ROOT, "files            weights %s, saved_model %s%n",
          size(directory.weights()), size(directory.savedModel()));
      if (verify) {
        directory.verify();
        out().println("verify           every file matches the manifest");
      }
      if (signatures) {
        try (SavedModelBundle bundle = SavedModelBundle.loader(directory.savedModel().toString())
            .withTags(SavedModelBundle.DEFAULT_TAG)
            .withConfigProto(SessionSettings.defaults().toConfigProto()).load()) {
          for (Signature signature : bundle.signatures()) {
            out().println(signature);
          }
        }
      }
      return 0;
    }

    private static String size(Path path) throws java.io.IOException {
      long bytes;
      if (Files.isDirectory(path)) {
        try (Stream<Path> files = Files.walk(path)) {
          bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
      } else {
        bytes = Files.size(path);
      }
      return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
  }
}
