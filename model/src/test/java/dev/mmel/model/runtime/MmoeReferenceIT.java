package dev.mmel.model.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmel.core.EntityEncodings;
import dev.mmel.core.MentionEncodings;
import dev.mmel.core.Scores;
import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.io.ModelExporter;
import dev.mmel.model.reference.ReferencePython;
import dev.mmel.model.weights.SafetensorsFile;
import dev.mmel.model.weights.SafetensorsWriter;
import dev.mmel.model.weights.TensorDType;
import dev.mmel.model.weights.TensorInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The whole model (both towers, matcher, every signature) against an independent float64 NumPy
 * reference written from the spec and Hugging Face CLIP's semantics
 * ({@code src/test/resources/reference/mmoe_reference.py}).
 *
 * <p>Weights are perturbed first: a freshly initialised model has LayerNorm scales of 1 and zero
 * biases in the towers, which would hide a missing or misplaced LayerNorm or bias.
 */
class MmoeReferenceIT {
  private static final long SEED = 20240611L;
  private static final int BOS = ModelConfig.BOS_TOKEN;
  private static final int EOS = ModelConfig.EOS_TOKEN;
  /**
   * float32 against float64 through two transformers and the matcher: an absolute bound, scaled
   * by |ref| where that exceeds 1 (scores reach about 20).
   */
  private static final double TOLERANCE = 1e-4;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path temp;

  @ParameterizedTest
  @EnumSource(GateMode.class)
  void javaModelMatchesNumpyReference(GateMode mode) throws Exception {
    ModelConfig base = ModelPresets.get(ModelPresets.TINY);
    ModelConfig config = base.withMatcher(base.matcher().withGateMode(mode));
    Path modelDir = temp.resolve("model");
    ModelCreator.initRandom(config, SEED, SharedData.file(SharedData.CLIP_VOCAB), modelDir);
    perturbWeights(new ModelDirectory(modelDir), new Random(SEED ^ mode.ordinal()));
    ModelExporter.export(new ModelDirectory(modelDir));

    Random random = new Random(SEED + 17 * mode.ordinal());
    int length = config.contextLength();
    int size = config.vision().imageSize();
    // Different B and N so a transposed [B,N] cannot pass; lengths cover a bare BOS/EOS pair and a
    // text with no padding at all (EOS in the last slot).
    int[][] mentionIds = {
        ids(random, 2, length), ids(random, 17, length), ids(random, length, length)};
    int[][] entityIds = {ids(random, 9, length), ids(random, length, length),
        ids(random, 3, length), ids(random, 31, length), ids(random, 12, length)};
    float[][] mentionPixels = {pixels(random, size), null, pixels(random, size)};
    float[][] entityPixels = {
        null, pixels(random, size), pixels(random, size), pixels(random, size), null};

    EntityEncodings entities;
    MentionEncodings mentions;
    Scores pairs;
    Scores candidates;
    EntityEncodings single;
    try (MmoeModel model = MmoeModel.load(modelDir, SessionSettings.defaults())) {
      entities = model.encodeEntities(entityIds, entityPixels);
      mentions = model.encodeMentions(mentionIds, mentionPixels);
      pairs = model.scorePairs(mentionIds, mentionPixels, entityIds, entityPixels);
      candidates = model.scoreCandidates(mentions, repeat(entities, mentionIds.length),
          entityIds.length);
      single = model.encodeEntities(new int[][] {entityIds[3]}, new float[][] {entityPixels[3]});
    }

    JsonNode ref = runReference(modelDir, mentionIds, mentionPixels, entityIds, entityPixels);

    Map<String, float[]> actual = new LinkedHashMap<>();
    actual.put("retrieval", entities.retrieval());
    actual.put("text_c", entities.textC());
    actual.put("text_query", entities.textQuery());
    actual.put("image_c", entities.imageC());
    actual.put("image_query", entities.imageQuery());
    actual.put("query", mentions.query());
    actual.put("text_key", mentions.textKey());
    actual.put("text_value", mentions.textValue());
    actual.put("image_key", mentions.imageKey());
    actual.put("image_value", mentions.imageValue());
    actual.put("score", pairs.total());
    actual.put("text_score", pairs.text());
    actual.put("image_score", pairs.image());
    actual.put("cross_score", pairs.cross());
    actual.put("enc_score", candidates.total());
    actual.put("enc_text_score", candidates.text());
    actual.put("enc_image_score", candidates.image());
    actual.put("enc_cross_score", candidates.cross());

    StringBuilder report = new StringBuilder("MMoE vs NumPy reference, gate " + mode.id()
        + " (max |java - ref|, max |ref|):\n");
    List<String> failures = new ArrayList<>();
    for (Map.Entry<String, float[]> entry : actual.entrySet()) {
      String name = entry.getKey();
      double[] expected = doubles(ref.get(name), name);
      Comparison c = compare(entry.getValue(), expected);
      report.append(String.format(Locale.ROOT, "  %-16s %10.3e   (|ref| <= %8.3f, worst at %d)%n",
          name, c.maxAbs, c.maxRef, c.worstIndex));
      if (!c.ok) {
        failures.add(name + String.format(Locale.ROOT,
            " differs: max abs %.3e at %d (java %s, ref %s)", c.maxAbs, c.worstIndex,
            entry.getValue()[c.worstIndex], expected[c.worstIndex]));
      }
    }
    double decomposition = ref.get("decomposition_error").asDouble();
    report.append(String.format(Locale.ROOT, "  reference's own |q.e + I - S| = %.3e%n",
        decomposition));
    System.out.print(report);
    assertTrue(decomposition < 1e-9, "the reference breaks spec 9's S = F + I: " + decomposition);
    if (!failures.isEmpty()) {
      fail(String.join("\n", failures) + "\n" + report);
    }

    // Served encodings must not depend on the rest of the batch, whichever the gate.
    Comparison alone = compare(single.retrieval(), toDoubles(entities.retrievalOf(3)));
    assertTrue(alone.maxAbs < 1e-5, "entity 3 encoded alone differs from its batch encoding by "
        + alone.maxAbs);
    if (mode == GateMode.FAITHFUL) {
      assertFaithfulStructure(config, entities, mentions);
    }
  }

  /**
   * The faithful gate scatters expert indices onto sequence positions, so only unit positions
   * 0..E-1 get any expert output: token rows from E-1 on (unit position E on) are the bias of the
   * projection alone, the same for every item. A per-token-style gate would not show this.
   */
  private static void assertFaithfulStructure(ModelConfig config, EntityEncodings entities,
      MentionEncodings mentions) {
    int experts = config.matcher().experts();
    int d = config.matcher().hiddenDim();
    Map<String, float[]> tokenStates = Map.of("text_query", entities.textQuery(),
        "image_query", entities.imageQuery(), "text_key", mentions.textKey(),
        "text_value", mentions.textValue(), "image_key", mentions.imageKey(),
        "image_value", mentions.imageValue());
    for (Map.Entry<String, float[]> entry : tokenStates.entrySet()) {
      float[] values = entry.getValue();
      int rows = values.length / d;
      int positions = config.contextLength();
      float[] constant = Arrays.copyOfRange(values, (experts - 1) * d, experts * d);
      boolean sawDifferentEarlyRow = false;
      for (int row = 0; row < rows; row++) {
        int position = row % positions;
        float[] state = Arrays.copyOfRange(values, row * d, (row + 1) * d);
        if (position >= experts - 1) {
          Comparison c = compare(state, toDoubles(constant));
          assertTrue(c.maxAbs < 1e-6, entry.getKey() + " row " + row
              + " should be the bare projection bias under the faithful gate");
        } else if (compare(state, toDoubles(constant)).maxAbs > 1e-3) {
          sawDifferentEarlyRow = true;
        }
      }
      assertTrue(sawDifferentEarlyRow, entry.getKey()
          + ": positions below E-1 should carry expert output under the faithful gate");
    }
  }

  // ------------------------------------------------------------------ weights

  /**
   * Rewrites the weights with LayerNorm scales away from 1, nonzero biases everywhere, sharper
   * IntraMoE attention and, in faithful mode, frozen means that differ per position and expert.
   */
  private static void perturbWeights(ModelDirectory directory, Random random) throws IOException {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    Map<String, float[]> values = new LinkedHashMap<>();
    try (SafetensorsFile file = SafetensorsFile.open(directory.weights())) {
      for (TensorInfo info : file.tensors()) {
        shapes.put(info.name(), info.shape());
        values.put(info.name(), file.readFloats(info.name()));
      }
    }
    SafetensorsWriter writer = new SafetensorsWriter();
    for (Map.Entry<String, float[]> entry : values.entrySet()) {
      String name = entry.getKey();
      float[] v = entry.getValue();
      long[] shape = shapes.get(name);
      for (int i = 0; i < v.length; i++) {
        if (name.startsWith("mmel.frozen_mean.")) {
          // A plausible router-probability mean: positive, not uniform.
          v[i] = (float) (0.05 + 0.5 * random.nextDouble());
        } else if (name.endsWith(".weight") && shape.length == 1) {
          v[i] = (float) (1 + 0.3 * random.nextGaussian());
        } else if (name.endsWith(".bias")) {
          v[i] += (float) (0.05 * random.nextGaussian());
        } else if (name.endsWith("class_embedding") || name.endsWith("position_embedding.weight")) {
          v[i] += (float) (0.02 * random.nextGaussian());
        } else if (name.endsWith("fc_query.weight") || name.endsWith("fc_key.weight")) {
          // Sharper IntraMoE attention: with default init it is close to uniform, and a wrong
          // softmax scale would then move the scores by little more than the tolerance.
          v[i] *= 3;
        }
      }
      writer.add(name, TensorDType.F32, shape, v);
    }
    writer.write(directory.weights());
  }

  // ------------------------------------------------------------------ inputs

  /** BOS, random ids, EOS, padded with EOS: {@code used} positions before the padding. */
  private static int[] ids(Random random, int used, int length) {
    int[] row = new int[length];
    Arrays.fill(row, EOS);
    row[0] = BOS;
    for (int i = 1; i < used - 1; i++) {
      row[i] = random.nextInt(49000);
    }
    return row;
  }

  /** Values in the range CLIP normalisation produces, with some spatial structure per channel. */
  private static float[] pixels(Random random, int size) {
    float[] values = new float[3 * size * size];
    for (int c = 0; c < 3; c++) {
      double offset = random.nextGaussian() * 0.5;
      for (int i = 0; i < size * size; i++) {
        values[c * size * size + i] = (float) Math.max(-1.8, Math.min(2.2,
            offset + random.nextGaussian() * 0.8 + Math.sin(i * 0.01 * (c + 1))));
      }
    }
    return values;
  }

  private static EntityEncodings repeat(EntityEncodings e, int times) {
    return new EntityEncodings(e.count() * times, e.retrievalDim(), e.hiddenDim(),
        e.textPositions(), e.imagePositions(), tile(e.retrieval(), times), tile(e.textC(), times),
        tile(e.textQuery(), times), tile(e.imageC(), times), tile(e.imageQuery(), times));
  }

  private static float[] tile(float[] values, int times) {
    float[] out = new float[values.length * times];
    for (int t = 0; t < times; t++) {
      System.arraycopy(values, 0, out, t * values.length, values.length);
    }
    return out;
  }

  // ------------------------------------------------------------------ the Python side

  private JsonNode runReference(Path modelDir, int[][] mentionIds, float[][] mentionPixels,
      int[][] entityIds, float[][] entityPixels) throws Exception {
    ObjectNode request = JSON.createObjectNode();
    request.put("model_dir", modelDir.toString());
    request.set("mention_ids", JSON.valueToTree(mentionIds));
    request.set("entity_ids", JSON.valueToTree(entityIds));
    request.put("mention_pixels_file", writePixels(temp.resolve("mention.f32"), mentionPixels)
        .toString());
    request.put("entity_pixels_file", writePixels(temp.resolve("entity.f32"), entityPixels)
        .toString());

    Process process = new ProcessBuilder(ReferencePython.interpreter(), script().toString()).start();
    CompletableFuture<byte[]> stdout = drain(process.getInputStream());
    CompletableFuture<byte[]> stderr = drain(process.getErrorStream());
    try (var in = process.getOutputStream()) {
      in.write(JSON.writeValueAsBytes(request));
    }
    if (!process.waitFor(10, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      fail("the NumPy reference took more than 10 minutes");
    }
    String err = new String(stderr.get(), StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      fail("the NumPy reference failed (exit " + process.exitValue() + "):\n" + err);
    }
    return JSON.readTree(stdout.get());
  }

  private static CompletableFuture<byte[]> drain(InputStream stream) {
    return CompletableFuture.supplyAsync(() -> {
      try (stream) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        stream.transferTo(out);
        return out.toByteArray();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  private static Path writePixels(Path file, float[][] rows) throws IOException {
    int width = -1;
    for (float[] row : rows) {
      if (row != null) {
        width = row.length;
      }
    }
    if (width < 0) {
      throw new IllegalArgumentException("give at least one image so the width is known");
    }
    ByteBuffer buffer = ByteBuffer.allocate(rows.length * width * Float.BYTES)
        .order(ByteOrder.LITTLE_ENDIAN);
    for (float[] row : rows) {
      float[] values = row != null ? row : new float[width];
      buffer.asFloatBuffer().put(values);
      buffer.position(buffer.position() + width * Float.BYTES);
    }
    buffer.flip();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    }
    return file;
  }

  private static Path script() throws URISyntaxException {
    URL url = MmoeReferenceIT.class.getResource("/reference/mmoe_reference.py");
    assertTrue(url != null, "reference/mmoe_reference.py is not on the test classpath");
    return Path.of(url.toURI());
  }

  // ------------------------------------------------------------------ comparison

  private record Comparison(double maxAbs, double maxRef, int worstIndex, boolean ok) {}

  /** Max absolute difference; an element passes within TOLERANCE * max(1, |ref|). */
  private static Comparison compare(float[] actual, double[] expected) {
    assertEquals(expected.length, actual.length, "element count");
    double maxAbs = 0;
    double maxRef = 0;
    int worst = 0;
    boolean ok = true;
    for (int i = 0; i < actual.length; i++) {
      double diff = Math.abs(actual[i] - expected[i]);
      if (!(diff <= TOLERANCE * Math.max(1, Math.abs(expected[i])))) {
        ok = false;
      }
      if (!(diff <= maxAbs)) {
        maxAbs = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff;
        worst = i;
      }
      maxRef = Math.max(maxRef, Math.abs(expected[i]));
    }
    return new Comparison(maxAbs, maxRef, worst, ok);
  }

  private static double[] doubles(JsonNode node, String name) {
    assertTrue(node instanceof ArrayNode, "reference output has no array '" + name + "'");
    double[] out = new double[node.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = node.get(i).asDouble();
    }
    return out;
  }

  private static double[] toDoubles(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }
}
