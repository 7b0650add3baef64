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
import dev.mmel.model.params.ParameterSpec;
import dev.mmel.model.weights.InvalidWeightsException;
import dev.mmel.model.weights.OnnxWeights;
import dev.mmel.model.weights.SafetensorsFile;
import dev.mmel.model.weights.SafetensorsWriter;
import dev.mmel.model.weights.TensorDType;
import dev.mmel.model.weights.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A BERT tower from an ONNX export onto the canonical layout: MatMul weights named by following
 * the graph and transposed back, and every refusal listed at once with nothing written.
 */
class OnnxImportTest {
  private static final ModelConfig TINY_BERT = ModelPresets.get(ModelPresets.TINY_BERT);
  private static final Set<ParameterGroup> HEAD =
      EnumSet.complementOf(EnumSet.of(ParameterGroup.BACKBONE));

  @TempDir
  static Path dir;

  private static Path original;
  private static Path head;

  @BeforeAll
  static void splitAModelIntoOnnxAndHead() throws IOException {
    original = dir.resolve("original");
    ModelCreator.initRandom(TINY_BERT, 7, SharedData.file(SharedData.CLIP_VOCAB), original);
    head = dir.resolve("head.safetensors");
    try (SafetensorsFile weights = SafetensorsFile.open(original.resolve("weights.safetensors"))) {
      SafetensorsWriter writer = new SafetensorsWriter();
      for (ParameterSpec spec : ParameterLayout.of(TINY_BERT).specs()) {
        if (spec.group() != ParameterGroup.BACKBONE) {
          writer.add(spec.name(), TensorDType.F32, spec.shape(), weights.readFloats(spec.name()));
        }
      }
      writer.write(head);
    }
  }

  @Test
  void onnxTowerPlusHeadRebuildsTheSameModel() throws IOException {
    OnnxExportFixture export = OnnxExportFixture.of(original, TINY_BERT);
    long backbone = ParameterLayout.of(TINY_BERT).specs().stream()
        .filter(s -> s.group() == ParameterGroup.BACKBONE).count();
    try (TensorSource onnx = onnx(export); SafetensorsFile matcher = SafetensorsFile.open(head)) {
      assertTrue(onnx.names().contains("encoder.layer.1.intermediate.dense.weight"));
      assertEquals("[64, 32]",
          Arrays.toString(onnx.shape("encoder.layer.1.intermediate.dense.weight")));
      WeightImporter.Report report = WeightImporter.importFrom(TINY_BERT,
          List.of(onnx, matcher), HEAD, 1, MatcherStart.RANDOM, null, dir.resolve("rebuilt"));
      assertEquals(new ModelDirectory(original).version(), report.version(),
          "the same weights, so the same version id");
      assertEquals((int) backbone, report.importedPerFile().get("tiny-bert.onnx"));
      assertTrue(report.initialised().isEmpty());
    }
  }

  @Test
  void aNewMatcherIsRandomFromTheSeed() throws IOException {
    try (TensorSource a = onnx(OnnxExportFixture.of(original, TINY_BERT));
        TensorSource b = onnx(OnnxExportFixture.of(original, TINY_BERT))) {
      String first = WeightImporter.importFrom(TINY_BERT, List.of(a), HEAD, 3, MatcherStart.RANDOM, null,
          dir.resolve("seed3a")).version();
      WeightImporter.Report again = WeightImporter.importFrom(TINY_BERT, List.of(b), HEAD, 3, MatcherStart.RANDOM, null,
          dir.resolve("seed3b"));
      assertEquals(first, again.version());
      assertTrue(again.initialised().contains("matcher.text_module.fc_query.weight"));
      assertTrue(Files.isRegularFile(dir.resolve("seed3b/tokenizer.json")));
    }
  }

  @Test
  void everyMissingUnexpectedMisShapedAndUnnamedTensorIsListedAndNothingWritten()
      throws IOException {
    OnnxExportFixture export = OnnxExportFixture.of(original, TINY_BERT);
    export.remove("encoder.layer.1.output.LayerNorm.bias");
    export.initializers.add(new OnnxExportFixture.Initializer(
        "encoder.layer.7.attention.self.query.bias", new long[] {32}, new float[32],
        OnnxExportFixture.FLOAT, false));
    OnnxExportFixture.Initializer words = export.remove("embeddings.word_embeddings.weight");
    export.initializers.add(new OnnxExportFixture.Initializer(words.name(),
        new long[] {100, 32}, Arrays.copyOf(words.values(), 3200), OnnxExportFixture.FLOAT,
        false));
    OnnxExportFixture.Initializer norm = export.remove("embeddings.LayerNorm.weight");
    export.initializers.add(new OnnxExportFixture.Initializer(norm.name(), norm.dims(),
        norm.values(), OnnxExportFixture.FLOAT16, false));
    // Renaming a bias leaves its Linear's generated weight nameless.
    OnnxExportFixture.Initializer bias = export.remove("encoder.layer.0.attention.self.key.bias");
    export.initializers.add(new OnnxExportFixture.Initializer("key_bias_renamed", bias.dims(),
        bias.values(), OnnxExportFixture.FLOAT, false));
    export.nodes.replaceAll(node -> node.inputs().contains(bias.name())
        ? new OnnxExportFixture.Node(node.opType(), List.of("key_bias_renamed",
            node.inputs().get(1)), node.outputs()) : node);

    Path out = dir.resolve("refused");
    String message;
    try (TensorSource onnx = onnx(export)) {
      message = assertThrows(IllegalArgumentException.class,
          () -> WeightImporter.importFrom(TINY_BERT, List.of(onnx), HEAD, 1, MatcherStart.RANDOM, null, out)).getMessage();
    }
    // The mis-shaped and half-precision tensors count as missing too: nothing gave them.
    assertTrue(message.contains("5 tensor(s) missing (the backbone must come whole from its "
        + "checkpoint): encoder.bert.embeddings.word_embeddings.weight, "
        + "encoder.bert.embeddings.LayerNorm.weight, "
        + "encoder.bert.encoder.layer.0.attention.self.key.weight, "
        + "encoder.bert.encoder.layer.0.attention.self.key.bias, "
        + "encoder.bert.encoder.layer.1.output.LayerNorm.bias"), message);
    assertTrue(message.contains("3 tensor(s) unexpected (not in this config): "), message);
    assertTrue(message.contains("tiny-bert.onnx:onnx::MatMul_1001 [32, 32]"), message);
    assertTrue(message.contains("tiny-bert.onnx:key_bias_renamed [32]"), message);
    assertTrue(message.contains("tiny-bert.onnx:encoder.layer.7.attention.self.query.bias [32]"),
        message);
    assertTrue(message.contains("1 tensor(s) mis-shaped: tiny-bert.onnx:"
        + "embeddings.word_embeddings.weight is [100, 32], expected [30522, 32]"), message);
    assertTrue(message.contains("1 tensor(s) of a non-float dtype: tiny-bert.onnx:"
        + "embeddings.LayerNorm.weight (ONNX data_type 10)"), message);
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void malformedFilesNameTheFileAndTheProblem() {
    Path source = Path.of("broken.onnx");
    assertTrue(assertThrows(InvalidWeightsException.class,
        () -> OnnxWeights.read(source, new byte[] {8, 1})).getMessage()
        .contains("broken.onnx: not an ONNX model: it has no graph (field 7)"));
    assertTrue(assertThrows(InvalidWeightsException.class,
        () -> OnnxWeights.read(source, new byte[] {0x3a, 5, 1, 2})).getMessage()
        .startsWith("broken.onnx: not a valid ONNX model"));
    OnnxExportFixture short_ = new OnnxExportFixture();
    short_.initializers.add(new OnnxExportFixture.Initializer("w", new long[] {2, 3},
        new float[5], OnnxExportFixture.FLOAT, false));
    assertEquals("broken.onnx: initializer 'w' of shape [2, 3] needs 6 floats, holds 20 bytes",
        assertThrows(InvalidWeightsException.class,
            () -> OnnxWeights.read(source, short_.bytes())).getMessage());
  }

  private static TensorSource onnx(OnnxExportFixture export) throws IOException {
    return OnnxWeights.read(Path.of("tiny-bert.onnx"), export.bytes());
  }
}
