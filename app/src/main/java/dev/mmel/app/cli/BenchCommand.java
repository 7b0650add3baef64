package dev.mmel.app.cli;

import dev.mmel.core.EntityEncodings;
import dev.mmel.core.MentionEncodings;
import dev.mmel.model.config.ImagePreprocessing;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelConfigJson;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.config.TextNormalization;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.data.WikiMel;
import dev.mmel.model.image.ImagePreprocessor;
import dev.mmel.model.image.ImagePreprocessorConfig;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.model.text.ClipTokenizer;
import dev.mmel.model.text.LinkingTexts;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Benchmarks of the model core (see the README's performance section).",
        "Each figure is reported as a ratio against a baseline measured in the same "
        + "run (machines are shared and noisy) next to the absolute figure. Tables are printed "
        + "as Markdown on stdout; progress goes to stderr."},
    subcommands = {BenchCommand.Tokenizer.class, BenchCommand.Images.class,
        BenchCommand.Model.class})
public final class BenchCommand {

  /**
   * Runs the tasks round-robin for {@code rounds} rounds after one warm-up round and returns
   * each task's median time in seconds. Interleaving makes a change in machine load hit every
   * task alike, so their ratios stay meaningful on a shared machine.
   */
  static double[] interleavedMedians(List<Runnable> tasks, int rounds) {
    double[][] times = new double[tasks.size()][rounds];
    tasks.forEach(Runnable::run);
    for (int round = 0; round < rounds; round++) {
      for (int t = 0; t < tasks.size(); t++) {
        long t0 = System.nanoTime();
        tasks.get(t).run();
        times[t][round] = (System.nanoTime() - t0) / 1e9;
      }
    }
    double[] medians = new double[tasks.size()];
    for (int t = 0; t < tasks.size(); t++) {
      double[] sorted = times[t].clone();
      Arrays.sort(sorted);
      medians[t] = sorted[rounds / 2];
    }
    return medians;
  }

  /** Peak and current resident set size of this process, from /proc (Linux). */
  static String rss() {
    try {
      String status = Files.readString(Path.of("/proc/self/status"));
      return field(status, "VmHWM") + " peak, " + field(status, "VmRSS") + " now";
    } catch (java.io.IOException e) {
      return "n/a";
    }
  }

  private static String field(String status, String name) {
    return status.lines().filter(l -> l.startsWith(name + ":")).findFirst()
        .map(l -> String.format(Locale.ROOT, "%.0f MB",
            Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0)).orElse("?");
  }

  @Command(name = "tokenizer", mixinStandardHelpOptions = true,
      description = "CLIP tokenizer throughput on WikiMEL sentences, against a whitespace split.")
  static final class Tokenizer extends MmelCommand {
    @Option(names = "--rounds", defaultValue = "15",
        description = "Timed rounds, interleaving baseline and measured (median reported).")
    int rounds;

    @Override
    public Integer call() throws Exception {
      WikiMel wikimel = WikiMel.load(SharedData.file("wikimel"));
      List<String> texts = new ArrayList<>();
      for (String split : List.of("train", "dev", "test")) {
        wikimel.mentions(split).forEach(
            m -> texts.add(LinkingTexts.mention(m.surface(), m.sentence(), "")));
      }
      // OpenAI's normalisation, the costlier of the two, as the README's figures were measured.
      TextNormalization normalization = TextNormalization.OPENAI_FTFY;
      ClipTokenizer tokenizer =
          ClipTokenizer.load(SharedData.file(SharedData.CLIP_VOCAB), normalization);
      // One fresh tokenizer (empty word cache) per cold run, loaded outside the timing.
      java.util.Deque<ClipTokenizer> fresh = new java.util.ArrayDeque<>();
      for (int i = 0; i <= rounds; i++) {
        fresh.add(ClipTokenizer.load(SharedData.file(SharedData.CLIP_VOCAB), normalization));
      }
      double[] times = interleavedMedians(List.of(() -> {
        long tokens = 0;
        for (String text : texts) {
          tokens += text.toLowerCase(Locale.ROOT).split("\\s+").length;
        }
        if (tokens == 0) {
          throw new IllegalStateException("no tokens");
        }
      }, () -> {
        for (String text : texts) {
          tokenizer.encodePadded(text, 50);
        }
      }, () -> {
        ClipTokenizer cold = fresh.pop();
        for (String text : texts) {
          cold.encodePadded(text, 50);
        }
      }), rounds);
      double baseline = times[0];
      double clip = times[1];
      double cold = times[2];
      out().println("| tokenizer (" + texts.size() + " WikiMEL mention+sentence texts) "
          + "| texts/s | ratio to baseline |");
      out().println("|---|---|---|");
      out().printf(Locale.ROOT, "| baseline: lower-case + whitespace split | %,.0f | 1.00 |%n",
          texts.size() / baseline);
      out().printf(Locale.ROOT, "| CLIP BPE, padded to 50, word cache warm | %,.0f | %.3f |%n",
          texts.size() / clip, baseline / clip);
      out().printf(Locale.ROOT, "| CLIP BPE, padded to 50, first pass (empty cache) "
          + "| %,.0f | %.3f |%n", texts.size() / cold, baseline / cold);
      return 0;
    }
  }

  @Command(name = "images", mixinStandardHelpOptions = true,
      description = "Image preprocessing throughput on the shared WikiMEL images, against "
          + "JPEG decoding alone.")
  static final class Images extends MmelCommand {
    @Option(names = "--rounds", defaultValue = "15",
        description = "Timed rounds, interleaving baseline and measured (median reported).")
    int rounds;

    @Override
    public Integer call() throws Exception {
      List<byte[]> images = new ArrayList<>();
      try (Stream<Path> files = Files.list(SharedData.file("wikimel/images"))) {
        for (Path file : files.sorted().toList()) {
          images.add(Files.readAllBytes(file));
        }
      }
      ImagePreprocessor bicubic = new ImagePreprocessor(
          ImagePreprocessorConfig.clip(ImagePreprocessing.DIRECT_BICUBIC, 224));
      ImagePreprocessor lanczos = new ImagePreprocessor(
          ImagePreprocessorConfig.clip(ImagePreprocessing.REFERENCE_LANCZOS, 224));
      double[] times = interleavedMedians(List.of(() -> {
        for (byte[] bytes : images) {
          try {
            ImageIO.read(new ByteArrayInputStream(bytes)).getWidth();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      }, () -> preprocessAll(bicubic, images), () -> preprocessAll(lanczos, images)), rounds);
      double decode = times[0];
      double full = times[1];
      double reference = times[2];
      out().println("| image preprocessing (" + images.size() + " WikiMEL JPEGs) "
          + "| images/s | ratio to baseline |");
      out().println("|---|---|---|");
      out().printf(Locale.ROOT, "| baseline: ImageIO decode only | %,.1f | 1.00 |%n",
          images.size() / decode);
      out().printf(Locale.ROOT, "| decode + RGB + bicubic 224 + normalise | %,.1f | %.3f |%n",
          images.size() / full, decode / full);
      out().printf(Locale.ROOT, "| decode + RGB + LANCZOS 224 + normalise (reference) "
          + "| %,.1f | %.3f |%n", images.size() / reference, decode / reference);
      return 0;
    }

    private static void preprocessAll(ImagePreprocessor preprocessor, List<byte[]> images) {
      for (byte[] bytes : images) {
        try {
          preprocessor.preprocess(bytes);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  @Command(name = "model", mixinStandardHelpOptions = true,
      description = {"Entity and mention encoding throughput at several batch sizes (ratio: "
          + "against batch 1), the SavedModel path against the in-process graph (ratio ~1.0 "
          + "expected), candidate scoring latency for K candidates (ratio: against K=10), "
          + "and resident memory.",
          "Without --model it creates a random model of --config in .cache/bench-<config>."})
  static final class Model extends MmelCommand {
    @Option(names = "--model", paramLabel = "DIR", description = "Model directory to measure.")
    Path model;

    @Option(names = "--config", defaultValue = ModelPresets.CLIP_VIT_BASE_PATCH32,
        description = "Preset for the random model when --model is absent (default ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--batches", defaultValue = "1,32,128", split = ",",
        description = "Encoding batch sizes (default ${DEFAULT-VALUE}).")
    int[] batches;

    @Option(names = "--ks", defaultValue = "10,100,1000", split = ",",
        description = "Candidate counts for scoring (default ${DEFAULT-VALUE}).")
    int[] ks;

    @Option(names = "--rounds", defaultValue = "3",
        description = "Timed rounds of each interleaved measurement (median reported).")
    int rounds;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws Exception {
      ConsoleProgress progress = progress("bench model");
      Path dir = model;
      if (dir == null) {
        ModelConfig preset = ModelConfigJson.resolve(config);
        dir = Path.of(System.getProperty("mmel.home", ".")).resolve(".cache")
            .resolve("bench-" + preset.name());
        if (!Files.exists(new ModelDirectory(dir).manifest())) {
          progress.step("creating a random " + preset.name() + " model in " + dir);
          ModelCreator.initRandom(preset, 43, SharedData.file(SharedData.CLIP_VOCAB), dir);
        }
      }
      SessionSettings settings = new SessionSettings(threads.count(), 0, "auto");
      progress.step("loading " + dir);
      try (MmoeModel saved = MmoeModel.load(dir, settings)) {
        ModelConfig cfg = saved.config();
        out().println("model " + cfg.name() + " (" + saved.version() + "), "
            + Runtime.getRuntime().availableProcessors() + " cores; after load: " + rss());
        out().println();
        List<Runnable> encodings = new ArrayList<>();
        for (int batch : batches) {
          int[][] ids = BenchInputs.ids(batch, cfg);
          float[][] pixels = BenchInputs.pixels(batch, cfg);
          encodings.add(() -> saved.encodeEntities(ids, pixels));
          encodings.add(() -> saved.encodeMentions(ids, pixels));
        }
        progress.step("entity and mention encoding at batches " + Arrays.toString(batches)
            + ", interleaved, " + rounds + " rounds");
        double[] times = interleavedMedians(encodings, rounds);
        out().println("| encoding | batch | items/s | ratio to batch " + batches[0] + " |");
        out().println("|---|---|---|---|");
        for (int side = 0; side < 2; side++) {
          double base = batches[0] / times[side];
          for (int i = 0; i < batches.length; i++) {
            double rate = batches[i] / times[2 * i + side];
            out().printf(Locale.ROOT, "| %s | %d | %.2f | %.2f |%n",
                side == 0 ? "entity" : "mention", batches[i], rate, rate / base);
          }
        }
        out().println();
        out().println("memory after encoding: " + rss());

        int ratioBatch = Arrays.stream(batches).filter(b -> b > 1).min().orElse(batches[0]);
        progress.step("SavedModel vs in-process graph, batch " + ratioBatch);
        int[][] ids = BenchInputs.ids(ratioBatch, cfg);
        float[][] pixels = BenchInputs.pixels(ratioBatch, cfg);
        try (MmoeModel raw = MmoeModel.buildInProcess(dir, settings)) {
          double[] paths = interleavedMedians(List.of(
              () -> raw.encodeEntities(ids, pixels), () -> saved.encodeEntities(ids, pixels)),
              rounds);
          out().println();
          out().println("| entity encoding, batch " + ratioBatch
              + " | items/s | ratio to in-process graph |");
          out().println("|---|---|---|");
          out().printf(Locale.ROOT, "| in-process graph (baseline) | %.2f | 1.00 |%n",
              ratioBatch / paths[0]);
          out().printf(Locale.ROOT, "| SavedModel | %.2f | %.3f |%n",
              ratioBatch / paths[1], paths[0] / paths[1]);
        }

        int maxK = Arrays.stream(ks).max().orElse(10);
        progress.step("preparing " + maxK + " candidates (64 encoded entities, repeated)");
        EntityEncodings pool = candidatePool(saved, maxK, cfg);
        MentionEncodings mention = saved.encodeMentions(BenchInputs.ids(1, cfg),
            BenchInputs.pixels(1, cfg));
        out().println();
        List<Runnable> scorings = new ArrayList<>();
        for (int k : ks) {
          EntityEncodings candidates = pool.rows(0, k);
          scorings.add(() -> saved.scoreCandidates(mention, candidates, k));
        }
        progress.step("scoring against K = " + Arrays.toString(ks) + ", interleaved");
        double[] latencies = interleavedMedians(scorings, Math.max(rounds, 15));
        out().println("| scoring one mention | K | latency ms | ratio to K=" + ks[0] + " |");
        out().println("|---|---|---|---|");
        for (int i = 0; i < ks.length; i++) {
          out().printf(Locale.ROOT, "| S = F + I | %d | %.2f | %.2f |%n", ks[i],
              latencies[i] * 1000, latencies[i] / latencies[0]);
        }
        out().println();
        out().println("memory at the end: " + rss());
      }
      return 0;
    }

    private static EntityEncodings candidatePool(MmoeModel model, int count, ModelConfig cfg) {
      int batch = 64;
      int[][] ids = BenchInputs.ids(batch, cfg);
      EntityEncodings one = model.encodeEntities(ids, null);
      // Candidates' features only need to be realistic, not distinct: repeat encoded rows.
      int r = one.retrievalDim();
      int d = one.hiddenDim();
      int l = one.textPositions();
      int p = one.imagePositions();
      float[] retrieval = new float[count * r];
      float[] textC = new float[count * d];
      float[] textQuery = new float[count * l * d];
      float[] imageC = new float[count * d];
      float[] imageQuery = new float[count * p * d];
      for (int i = 0; i < count; i++) {
        int src = i % batch;
        System.arraycopy(one.retrieval(), src * r, retrieval, i * r, r);
        System.arraycopy(one.textC(), src * d, textC, i * d, d);
        System.arraycopy(one.textQuery(), src * l * d, textQuery, i * l * d, l * d);
        System.arraycopy(one.imageC(), src * d, imageC, i * d, d);
        System.arraycopy(one.imageQuery(), src * p * d, imageQuery, i * p * d, p * d);
      }
      return new EntityEncodings(count, r, d, l, p, retrieval, textC, textQuery, imageC,
          imageQuery);
    }
  }
}
