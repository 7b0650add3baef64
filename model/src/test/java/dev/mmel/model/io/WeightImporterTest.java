package dev.mmel.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.params.ParameterGroup;
import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterNames;
import dev.mmel.model.params.ParameterSpec;
import dev.mmel.model.weights.SafetensorsFile;
import dev.mmel.model.weights.SafetensorsWriter;
import dev.mmel.model.weights.TensorDType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hugging Face and reference MMoE checkpoints onto the canonical layout, and every refusal. */
class WeightImporterTest {
  private static final ModelConfig TINY = ModelPresets.get(ModelPresets.TINY);

  @TempDir
  static Path dir;

  private static Path original;
  private static Path hfClip;
  private static Path reference;

  @BeforeAll
  static void splitAModelIntoTwoCheckpoints() throws IOException {
    original = dir.resolve("original");
    ModelCreator.initRandom(TINY, 21, SharedData.file(SharedData.CLIP_VOCAB), original);
    hfClip = dir.resolve("hf-clip.safetensors");
    reference = dir.resolve("mmoe-reference.safetensors");
    try (SafetensorsFile weights = SafetensorsFile.open(original.resolve("weights.safetensors"))) {
      SafetensorsWriter hf = new SafetensorsWriter();
      SafetensorsWriter ref = new SafetensorsWriter();
      for (ParameterSpec spec : ParameterLayout.of(TINY).specs()) {
        float[] values = weights.readFloats(spec.name());
        if (spec.group() == ParameterGroup.BACKBONE) {
          hf.add(spec.name().substring(ParameterNames.CLIP.length()), TensorDType.F32,
              spec.shape(), values);
        } else {
          ref.add(spec.name(), TensorDType.F32, spec.shape(), values);
        }
      }
      // Hugging Face checkpoints carry this buffer; it is not a weight.
      hf.add("text_model.embeddings.position_ids", TensorDType.F32, new long[] {1, 77},
          new float[77]);
      hf.write(hfClip);
      ref.write(reference);
    }
  }

  @Test
  void huggingFaceClipPlusReferenceMatcherRebuildsTheSameModel() throws IOException {
    Path out = dir.resolve("rebuilt");
    WeightImporter.Report report =
        WeightImporter.importInto(TINY, List.of(hfClip, reference), false, 1, SharedData.file(SharedData.CLIP_VOCAB), out);
    assertEquals(new ModelDirectory(original).version(), report.version(),
        "identical weights and config give the identical version id");
    assertEquals(List.of("hf-clip.safetensors:text_model.embeddings.position_ids"),
        report.ignored());
    assertTrue(report.initialised().isEmpty());
    long backbone = ParameterLayout.of(TINY).specs().stream()
        .filter(s -> s.group() == ParameterGroup.BACKBONE).count();
    assertEquals((int) backbone, report.importedPerFile().get(hfClip.toString()));
  }

  @Test
  void missingTensorsAreListedUnlessInitialised() throws IOException {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> WeightImporter.importInto(TINY, List.of(hfClip), false, 1, SharedData.file(SharedData.CLIP_VOCAB), dir.resolve("m1")));
    assertTrue(refused.getMessage().contains("missing (pass --init-missing"), refused.getMessage());
    assertTrue(refused.getMessage().contains("matcher.text_cls_layernorm.weight"));
    assertFalse(Files.exists(dir.resolve("m1/weights.safetensors")), "nothing written");

    WeightImporter.Report report =
        WeightImporter.importInto(TINY, List.of(hfClip), true, 1, SharedData.file(SharedData.CLIP_VOCAB), dir.resolve("m2"));
    long notBackbone = ParameterLayout.of(TINY).specs().stream()
        .filter(s -> s.group() != ParameterGroup.BACKBONE).count();
    assertEquals(notBackbone, report.initialised().size());
  }

  @Test
  void unexpectedMisShapedAndDuplicatedTensorsAreAllReportedAtOnce() throws IOException {
    Path extra = dir.resolve("extra.safetensors");
    new SafetensorsWriter()
        .add("matcher.not_a_module.weight", TensorDType.F32, new long[] {2}, new float[2])
        .add("matcher.text_module.fc_query.weight", TensorDType.F32, new long[] {3, 3},
            new float[9])
        .write(extra);
    String message = assertThrows(IllegalArgumentException.class,
        () -> WeightImporter.importInto(TINY, List.of(hfClip, reference, extra), false, 1, SharedData.file(SharedData.CLIP_VOCAB),
            dir.resolve("m3"))).getMessage();
    assertTrue(message.contains("1 tensor(s) unexpected (not in this config): "
        + "extra.safetensors:matcher.not_a_module.weight"), message);
    assertTrue(message.contains("extra.safetensors:matcher.text_module.fc_query.weight is [3, 3],"
        + " expected [16, 16]"), message);

    String duplicate = assertThrows(IllegalArgumentException.class,
        () -> WeightImporter.importInto(TINY, List.of(hfClip, reference, reference), false, 1, SharedData.file(SharedData.CLIP_VOCAB),
            dir.resolve("m4"))).getMessage();
    assertTrue(duplicate.contains("given by more than one file"), duplicate);
  }

  @Test
  void halfPrecisionCheckpointsAreWidened() throws IOException {
    Path half = dir.resolve("half.safetensors");
    SafetensorsWriter writer = new SafetensorsWriter();
    try (SafetensorsFile weights = SafetensorsFile.open(original.resolve("weights.safetensors"))) {
      for (ParameterSpec spec : ParameterLayout.of(TINY).specs()) {
        writer.add(spec.name(), spec.group() == ParameterGroup.MATCHER ? TensorDType.BF16
            : TensorDType.F16, spec.shape(), weights.readFloats(spec.name()));
      }
    }
    writer.write(half);
    Path out = dir.resolve("from-half");
    WeightImporter.importInto(TINY, List.of(half), false, 1, SharedData.file(SharedData.CLIP_VOCAB), out);
    try (SafetensorsFile a = SafetensorsFile.open(original.resolve("weights.safetensors"));
        SafetensorsFile b = SafetensorsFile.open(out.resolve("weights.safetensors"))) {
      String name = "matcher.text_module.fc_key.weight";
      float[] exact = a.readFloats(name);
      float[] widened = b.readFloats(name);
      for (int i = 0; i < exact.length; i++) {
        assertEquals(exact[i], widened[i], Math.abs(exact[i]) / 128 + 1e-30, name + "[" + i + "]");
      }
      assertEquals(TensorDType.F32, b.info(name).dtype());
    }
  }

  @Test
  void refusesToOverwriteAModel() {
    assertTrue(assertThrows(IOException.class,
        () -> WeightImporter.importInto(TINY, List.of(hfClip, reference), false, 1, SharedData.file(SharedData.CLIP_VOCAB), original))
        .getMessage().contains("already holds a model"));
  }
}
