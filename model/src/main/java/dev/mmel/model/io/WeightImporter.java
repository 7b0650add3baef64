package dev.mmel.model.io;

import dev.mmel.model.bge.BgeResources;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.TextTowerKind;
import dev.mmel.model.params.ParameterGroup;
import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterNames;
import dev.mmel.model.params.ParameterSpec;
import dev.mmel.model.weights.OnnxWeights;
import dev.mmel.model.weights.SafetensorsFile;
import dev.mmel.model.weights.SafetensorsWriter;
import dev.mmel.model.weights.TensorDType;
import dev.mmel.model.weights.TensorSource;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Imports checkpoints into a model directory: a Hugging Face CLIPModel checkpoint (names without
 * prefix), a reference MMoE checkpoint (spec 10 names), a Hugging Face BertModel checkpoint or an
 * ONNX export of one ({@link OnnxWeights}), or several of these. Every problem is collected
 * first and reported together, so one run tells the user everything that is wrong, and nothing
 * is written unless all is well.
 */
public final class WeightImporter {
  private static final List<String> CLIP_ROOTS = List.of("text_model.", "vision_model.",
      "visual_projection.", "text_projection.", "logit_scale");
  private static final List<String> BERT_ROOTS = List.of("embeddings.", "encoder.layer.");
  /** BertModel's pooler: a weight, but the BERT tower pools [CLS] without it (as bge does). */
  private static final String BERT_POOLER = "pooler.";

  private WeightImporter() {}

  /**
   * What an import did: how many parameters each source gave (by its description), and what was
   * initialised or ignored.
   */
  public record Report(String version, Map<String, Integer> importedPerFile,
      List<String> initialised, List<String> ignored) {}

  /**
   * @param initMissing fill parameters no file provides with random values (e.g. a fresh matcher
   *     on a pretrained CLIP); otherwise missing parameters are an error. Frozen gate means are
   *     never an error: they are statistics, set to their default until calibrated.
   */
  public static Report importInto(ModelConfig config, List<Path> files, boolean initMissing,
      long seed, Path clipVocabulary, Path out) throws IOException {
    List<TensorSource> opened = new ArrayList<>();
    try {
      for (Path file : files) {
        opened.add(SafetensorsFile.open(file));
      }
      return importFrom(config, opened,
          initMissing ? EnumSet.allOf(ParameterGroup.class) : EnumSet.noneOf(ParameterGroup.class),
          seed, MatcherStart.RANDOM, clipVocabulary, out);
    } finally {
      for (TensorSource source : opened) {
        source.close();
      }
    }
  }

  /**
   * A text-only model over bge-small-en-v1.5: the BERT tower from the fp32 ONNX export in the
   * langchain4j jar on the classpath, every tower weight required; the matcher and image
   * projections from {@code headFiles} (safetensors, spec 10 names, e.g. a frozen-backbone run's
   * {@code best/weights.safetensors}) or, where none is given, random from {@code seed} as
   * {@code --init-missing} does. The directory carries that jar's tokenizer.json.
   */
  public static Report importBgeSmall(ModelConfig config, List<Path> headFiles, long seed,
      MatcherStart start, Path out) throws IOException {
    if (config.text().kind() != TextTowerKind.BERT) {
      throw new IllegalArgumentException("config '" + config.name() + "' has text.kind '"
          + config.text().kind().id() + "'; bge-small-en-v1.5 needs a 'bert' text tower (use the "
          + "bge-small-en-v1.5 preset)");
    }
    List<TensorSource> sources = new ArrayList<>();
    try {
      sources.add(OnnxWeights.read(Path.of("classpath:" + BgeResources.FP32_MODEL),
          BgeResources.read(BgeResources.FP32_MODEL)));
      for (Path file : headFiles) {
        sources.add(SafetensorsFile.open(file));
      }
      return importFrom(config, sources, EnumSet.complementOf(EnumSet.of(ParameterGroup.BACKBONE)),
          seed, start, null, out);
    } finally {
      for (TensorSource source : sources) {
        source.close();
      }
    }
  }

  /**
   * @param initialisable groups whose parameters no source gives are drawn from {@code seed}
   *     instead of being an error (gate statistics always are)
   * @param start how parameters no source gives start
   * @param clipVocabulary the CLIP BPE merges for a CLIP model (null for a BERT one)
   */
  public static Report importFrom(ModelConfig config, List<TensorSource> sources,
      Set<ParameterGroup> initialisable, long seed, MatcherStart start, Path clipVocabulary,
      Path out) throws IOException {
    ParameterLayout layout = ParameterLayout.of(config);
    Set<ParameterGroup> filled = EnumSet.of(ParameterGroup.GATE_STATISTICS);
    filled.addAll(initialisable);
    Plan plan = plan(config.name(), layout, sources, filled);
    ModelDirectory directory = ModelCreator.prepare(out, config, clipVocabulary);
    SafetensorsWriter writer = new SafetensorsWriter();
    for (ParameterSpec spec : layout.specs()) {
      Source source = plan.sources.get(spec.name());
      writer.add(spec.name(), TensorDType.F32, spec.shape(), sink -> {
        if (source == null) {
          sink.put(start.initial(spec, seed));
        } else {
          FloatBuffer values = FloatBuffer.allocate(Math.toIntExact(spec.size()));
          source.tensors.readFloats(source.name, values);
          values.flip();
          sink.put(values);
        }
      });
    }
    writer.write(directory.weights());
    String version = ModelExporter.export(directory);
    Map<String, Integer> perSource = new LinkedHashMap<>();
    for (TensorSource source : sources) {
      perSource.put(source.description(), 0);
    }
    plan.sources.values().forEach(s -> perSource.merge(s.tensors.description(), 1, Integer::sum));
    return new Report(version, perSource, plan.initialised, plan.ignored);
  }

  /** The canonical name a checkpoint tensor maps to, or null for what is not a used weight. */
  static String canonicalName(String name) {
    if (name.endsWith("embeddings.position_ids") || name.endsWith("embeddings.token_type_ids")
        || name.startsWith(BERT_POOLER)) {
      return null;
    }
    for (String root : CLIP_ROOTS) {
      if (name.startsWith(root)) {
        return ParameterNames.CLIP + name;
      }
    }
    for (String root : BERT_ROOTS) {
      if (name.startsWith(root)) {
        return ParameterNames.BERT + name;
      }
    }
    return name;
  }

  private record Source(TensorSource tensors, String name) {}

  private record Plan(Map<String, Source> sources, List<String> initialised,
      List<String> ignored) {}

  private static Plan plan(String configName, ParameterLayout layout, List<TensorSource> files,
      Set<ParameterGroup> initialisable) {
    Map<String, Source> sources = new LinkedHashMap<>();
    List<String> unexpected = new ArrayList<>();
    List<String> misShaped = new ArrayList<>();
    List<String> duplicated = new ArrayList<>();
    List<String> unreadable = new ArrayList<>();
    List<String> ignored = new ArrayList<>();
    for (TensorSource file : files) {
      for (String name : file.names()) {
        String canonical = canonicalName(name);
        if (canonical == null) {
          ignored.add(file.label() + ":" + name);
          continue;
        }
        if (!layout.contains(canonical)) {
          unexpected.add(file.label() + ":" + name + " " + Arrays.toString(file.shape(name)));
          continue;
        }
        ParameterSpec spec = layout.spec(canonical);
        long[] shape = file.shape(name);
        if (!file.readsAsFloat(name)) {
          unreadable.add(file.label() + ":" + name + " (" + file.dtype(name) + ")");
        } else if (!Arrays.equals(shape, spec.shape())) {
          misShaped.add(file.label() + ":" + name + " is "
              + Arrays.toString(shape) + ", expected " + spec.shapeText());
        } else {
          Source previous = sources.put(canonical, new Source(file, name));
          if (previous != null) {
            duplicated.add(canonical + " (in " + previous.tensors.label() + " and "
                + file.label() + ")");
          }
        }
      }
    }
    List<String> missing = new ArrayList<>();
    List<String> initialised = new ArrayList<>();
    for (ParameterSpec spec : layout.specs()) {
      if (sources.containsKey(spec.name())) {
        continue;
      }
      if (initialisable.contains(spec.group())) {
        initialised.add(spec.name());
      } else {
        missing.add(spec.name());
      }
    }
    List<String> problems = new ArrayList<>();
    boolean onlyBackboneRequired = !initialisable.contains(ParameterGroup.BACKBONE)
        && initialisable.contains(ParameterGroup.MATCHER);
    describe(problems, onlyBackboneRequired
        ? "missing (the backbone must come whole from its checkpoint)"
        : "missing (pass --init-missing to fill them randomly)", missing);
    describe(problems, "unexpected (not in this config)", unexpected);
    describe(problems, "mis-shaped", misShaped);
    describe(problems, "given by more than one file", duplicated);
    describe(problems, "of a non-float dtype", unreadable);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("cannot import " + files.stream()
          .map(TensorSource::description).toList() + " into config '" + configName + "': "
          + String.join("; ", problems));
    }
    return new Plan(sources, initialised, ignored);
  }

  /** Lists every name: a partial list would send the user round the fix-and-retry loop again. */
  private static void describe(List<String> problems, String what, List<String> names) {
    if (!names.isEmpty()) {
      problems.add(names.size() + " tensor(s) " + what + ": " + String.join(", ", names));
    }
  }
}
