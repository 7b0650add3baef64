package dev.mmel.model.io;

import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.params.ParameterGroup;
import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterNames;
import dev.mmel.model.params.ParameterSpec;
import dev.mmel.model.weights.SafetensorsFile;
import dev.mmel.model.weights.SafetensorsWriter;
import dev.mmel.model.weights.TensorDType;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Imports safetensors checkpoints into a model directory: a Hugging Face CLIPModel checkpoint
 * (names without prefix), a reference MMoE checkpoint (spec 10 names), or both. Every problem is
 * collected first and reported together, so one run tells the user everything that is wrong.
 */
public final class WeightImporter {
  private static final List<String> CLIP_ROOTS = List.of("text_model.", "vision_model.",
      "visual_projection.", "text_projection.", "logit_scale");

  private WeightImporter() {}

  /** What an import did: where each parameter came from, and what was initialised or ignored. */
  public record Report(String version, Map<Path, Integer> importedPerFile,
      List<String> initialised, List<String> ignored) {}

  /**
   * @param initMissing fill parameters no file provides with random values (e.g. a fresh matcher
   *     on a pretrained CLIP); otherwise missing parameters are an error. Frozen gate means are
   *     never an error: they are statistics, set to their default until calibrated.
   */
  public static Report importInto(ModelConfig config, List<Path> files, boolean initMissing,
      long seed, Path vocabulary, Path out) throws IOException {
    ParameterLayout layout = ParameterLayout.of(config);
    List<SafetensorsFile> opened = new ArrayList<>();
    try {
      for (Path file : files) {
        opened.add(SafetensorsFile.open(file));
      }
      Plan plan = plan(config.name(), layout, opened, initMissing);
      ModelDirectory directory = ModelCreator.prepare(out, config, vocabulary);
      SafetensorsWriter writer = new SafetensorsWriter();
      for (ParameterSpec spec : layout.specs()) {
        Source source = plan.sources.get(spec.name());
        writer.add(spec.name(), TensorDType.F32, spec.shape(), sink -> {
          if (source == null) {
            sink.put(RandomWeights.values(spec, seed));
          } else {
            FloatBuffer values = FloatBuffer.allocate(Math.toIntExact(spec.size()));
            source.file.readFloats(source.name, values);
            values.flip();
            sink.put(values);
          }
        });
      }
      writer.write(directory.weights());
      String version = ModelExporter.export(directory);
      Map<Path, Integer> perFile = new LinkedHashMap<>();
      for (SafetensorsFile file : opened) {
        perFile.put(file.path(), 0);
      }
      plan.sources.values().forEach(s -> perFile.merge(s.file.path(), 1, Integer::sum));
      return new Report(version, perFile, plan.initialised, plan.ignored);
    } finally {
      for (SafetensorsFile file : opened) {
        file.close();
      }
    }
  }

  /** The canonical name a checkpoint tensor maps to, or null for buffers that are not weights. */
  static String canonicalName(String name) {
    if (name.endsWith("embeddings.position_ids")) {
      return null;
    }
    for (String root : CLIP_ROOTS) {
      if (name.startsWith(root)) {
        return ParameterNames.CLIP + name;
      }
    }
    return name;
  }

  private record Source(SafetensorsFile file, String name) {}

  private record Plan(Map<String, Source> sources, List<String> initialised,
      List<String> ignored) {}

  private static Plan plan(String configName, ParameterLayout layout,
      List<SafetensorsFile> files, boolean initMissing) {
    Map<String, Source> sources = new LinkedHashMap<>();
    List<String> unexpected = new ArrayList<>();
    List<String> misShaped = new ArrayList<>();
    List<String> duplicated = new ArrayList<>();
    List<String> unreadable = new ArrayList<>();
    List<String> ignored = new ArrayList<>();
    for (SafetensorsFile file : files) {
      for (String name : file.names()) {
        String canonical = canonicalName(name);
        if (canonical == null) {
          ignored.add(file.path().getFileName() + ":" + name);
          continue;
        }
        if (!layout.contains(canonical)) {
          unexpected.add(file.path().getFileName() + ":" + name);
          continue;
        }
        ParameterSpec spec = layout.spec(canonical);
        long[] shape = file.info(name).shape();
        TensorDType dtype = file.info(name).dtype();
        if (!dtype.floatConvertible()) {
          unreadable.add(file.path().getFileName() + ":" + name + " (" + dtype + ")");
        } else if (!Arrays.equals(shape, spec.shape())) {
          misShaped.add(file.path().getFileName() + ":" + name + " is "
              + Arrays.toString(shape) + ", expected " + spec.shapeText());
        } else {
          Source previous = sources.put(canonical, new Source(file, name));
          if (previous != null) {
            duplicated.add(canonical + " (in " + previous.file.path().getFileName() + " and "
                + file.path().getFileName() + ")");
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
      if (initMissing || spec.group() == ParameterGroup.GATE_STATISTICS) {
        initialised.add(spec.name());
      } else {
        missing.add(spec.name());
      }
    }
    List<String> problems = new ArrayList<>();
    describe(problems, "missing (pass --init-missing to fill them randomly)", missing);
    describe(problems, "unexpected (not in this config)", unexpected);
    describe(problems, "mis-shaped", misShaped);
    describe(problems, "given by more than one file", duplicated);
    describe(problems, "of a non-float dtype", unreadable);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("cannot import " + files.stream()
          .map(f -> f.path().toString()).toList() + " into config '" + configName + "': "
          + String.join("; ", problems));
    }
    return new Plan(sources, initialised, ignored);
  }

  private static void describe(List<String> problems, String what, List<String> names) {
    if (names.isEmpty()) {
      return;
    }
    int shown = Math.min(names.size(), 20);
    problems.add(names.size() + " tensor(s) " + what + ": "
        + String.join(", ", names.subList(0, shown))
        + (names.size() > shown ? ", ... (" + (names.size() - shown) + " more)" : ""));
  }
}
