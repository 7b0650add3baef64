package dev.mmel.model.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cross-checks reader and writer against the real Python {@code safetensors} and {@code numpy} packages.
 *
 * <p>The interpreter comes from the system property {@code mmel.reference.python}, or else from the last line
 * {@code infra/reference-venv.sh} prints. A missing interpreter fails the test rather than skipping it: a
 * cross-check that silently does not run checks nothing.
 */
class SafetensorsReferenceIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long VENV_TIMEOUT_MINUTES = 20;
  private static final long SCRIPT_TIMEOUT_MINUTES = 2;

  @TempDir
  static Path scratch;

  private static String python;
  private static Path script;

  @BeforeAll
  static void locateReference() throws IOException, InterruptedException {
    script = scratch.resolve("safetensors_roundtrip.py");
    try (InputStream in = SafetensorsReferenceIT.class.getResourceAsStream("/reference/safetensors_roundtrip.py")) {
      assertNotNull(in, "test resource reference/safetensors_roundtrip.py is missing");
      Files.copy(in, script);
    }
    String configured = System.getProperty("mmel.reference.python", "");
    python = configured.isBlank() ? pythonFromVenvScript() : configured;
  }

  @Test
  void pythonReadsWhatWeWriteAndAgreesWithOurRounding() throws IOException, InterruptedException {
    float[] values = sourceValues();
    float[] matrix = {1, -2, 3.5f, 0x1p-126f, -0x1p-140f, 1e30f, -0.0f, 7, 8, 9, 10, 11};
    Path file = scratch.resolve("java-written.safetensors");
    new SafetensorsWriter()
        .metadata("format", "pt")
        .metadata("note", "caf\u00e9 \u2603")
        .add("values.f32", TensorDType.F32, new long[] {values.length}, values)
        .add("values.f16", TensorDType.F16, new long[] {values.length}, values)
        .add("values.bf16", TensorDType.BF16, new long[] {values.length}, values)
        .add("matrix", TensorDType.F32, new long[] {3, 4}, matrix)
        .add("empty", TensorDType.F16, new long[] {0, 5}, new float[0])
        .add("scalar", TensorDType.BF16, new long[0], new float[] {-1.5f})
        .write(file);

    JsonNode seen = runScript("read", file);

    assertEquals(Map.of("format", "pt", "note", "caf\u00e9 \u2603"), stringMap(seen.get("metadata")));
    JsonNode tensors = seen.get("tensors");
    assertEquals(List.of("empty", "matrix", "scalar", "values.bf16", "values.f16", "values.f32"), sortedNames(tensors));
    List<Long> vector = List.of((long) values.length);
    assertTensor(tensors, "values.f32", "F32", vector, bitsOf(values));
    assertTensor(tensors, "matrix", "F32", List.of(3L, 4L), bitsOf(matrix));
    assertTensor(tensors, "empty", "F16", List.of(0L, 5L), new int[0]);
    assertTensor(tensors, "scalar", "BF16", List.of(), bitsOf(new float[] {-1.5f}));
    // numpy's float16 cast and the script's distance-based bfloat16 rounding are the references here.
    JsonNode f32 = tensors.get("values.f32");
    assertTensor(tensors, "values.f16", "F16", vector, ints(f32.get("float16_rounded_bits")));
    assertTensor(tensors, "values.bf16", "BF16", vector, ints(f32.get("bfloat16_rounded_bits")));
  }

  @Test
  void weReadWhatPythonWritesExactly() throws IOException, InterruptedException {
    Path file = scratch.resolve("python-written.safetensors");
    JsonNode written = runScript("write", file);

    try (SafetensorsFile weights = SafetensorsFile.open(file)) {
      assertEquals(stringMap(written.get("metadata")), weights.metadata());
      JsonNode tensors = written.get("tensors");
      assertEquals(sortedNames(tensors), weights.names().stream().sorted().toList());
      for (String name : weights.names()) {
        JsonNode expected = tensors.get(name);
        TensorInfo info = weights.info(name);
        assertEquals(expected.get("dtype").asText(), info.dtype().name(), name);
        assertEquals(longs(expected.get("shape")), longs(info.shape()), name);
        assertBitsEqual(name, ints(expected.get("float32_bits")), bitsOf(weights.readFloats(name)));
      }
    }
  }

  /** Exact ties, values at and past the F16 range, subnormals of every size, NaN, and random spreads. */
  private static float[] sourceValues() {
    List<Float> values = new ArrayList<>(List.of(
        0f, -0f, 1f, -1f, 1 + 0x1p-11f, 1 + 3 * 0x1p-11f, 65504f, 65519.99f, 65520f, -70000f,
        0x1p-24f, 0x1p-25f, 3 * 0x1p-25f, 1023.5f * 0x1p-24f, Float.MIN_VALUE, Float.MAX_VALUE,
        Float.intBitsToFloat(0x3F808000), Float.intBitsToFloat(0x3F818000), Float.intBitsToFloat(0x7F7F8000),
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0.1f, (float) Math.PI));
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 2000; i++) {
      values.add((float) (random.nextGaussian() * Math.pow(2, random.nextInt(-30, 20))));
    }
    for (int i = 0; i < 2000; i++) {
      values.add(Float.intBitsToFloat(random.nextInt()));
    }
    float[] array = new float[values.size()];
    for (int i = 0; i < array.length; i++) {
      array[i] = values.get(i);
    }
    return array;
  }

  private static void assertTensor(JsonNode tensors, String name, String dtype, List<Long> shape,
                   int[] float32Bits) {
    JsonNode tensor = tensors.get(name);
    assertNotNull(tensor, name);
    assertEquals(dtype, tensor.get("dtype").asText(), name);
    assertEquals(shape, longs(tensor.get("shape")), name);
    assertBitsEqual(name, float32Bits, ints(tensor.get("float32_bits")));
  }

  /** Bit-exact, except that any NaN matches any NaN: payloads are not part of either contract. */
  private static void assertBitsEqual(String what, int[] expected, int[] actual) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      boolean bothNaN = Float.isNaN(Float.intBitsToFloat(expected[i])) && Float.isNaN(Float.intBitsToFloat(actual[i]));
      if (expected[i] != actual[i] && !bothNaN) {
        fail(String.format("%s[%d]: expected 0x%08X (%s) but was 0x%08X (%s)", what, i, expected[i],
            Float.intBitsToFloat(expected[i]), actual[i], Float.intBitsToFloat(actual[i])));
      }
    }
  }

  private static JsonNode runScript(String mode, Path file) throws IOException, InterruptedException {
    String stdout = run(List.of(python, script.toString(), mode, file.toString()), SCRIPT_TIMEOUT_MINUTES);
    return JSON.readTree(stdout);
  }

  private static String pythonFromVenvScript() throws IOException, InterruptedException {
    Path venvScript = repositoryRoot().resolve("infra").resolve("reference-venv.sh");
    List<String> lines = run(List.of("bash", venvScript.toString()), VENV_TIMEOUT_MINUTES).lines()
        .filter(line -> !line.isBlank())
        .toList();
    if (lines.isEmpty()) {
      fail(venvScript + " printed no interpreter path");
    }
    return lines.get(lines.size() - 1).strip();
  }

  private static Path repositoryRoot() {
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("infra").resolve("reference-venv.sh"))) {
        return dir;
      }
    }
    return fail("no infra/reference-venv.sh above " + Paths.get("").toAbsolutePath()
        + "; set -Dmmel.reference.python to a Python with safetensors and numpy");
  }

  /** Runs a command to completion and returns its stdout; any failure is a test failure quoting stderr. */
  private static String run(List<String> command, long timeoutMinutes) throws IOException, InterruptedException {
    Path out = Files.createTempFile(scratch, "stdout", ".txt");
    Path err = Files.createTempFile(scratch, "stderr", ".txt");
    Process process = new ProcessBuilder(command)
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
    if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      fail(command + " did not finish within " + timeoutMinutes + " minutes");
    }
    if (process.exitValue() != 0) {
      fail(command + " exited with " + process.exitValue() + ":\n" + Files.readString(err, StandardCharsets.UTF_8));
    }
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  private static Map<String, String> stringMap(JsonNode object) {
    return JSON.convertValue(object, new TypeReference<Map<String, String>>() { });
  }

  private static List<String> sortedNames(JsonNode tensors) {
    List<String> names = new ArrayList<>();
    tensors.fieldNames().forEachRemaining(names::add);
    return names.stream().sorted().toList();
  }

  private static int[] bitsOf(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }

  private static int[] ints(JsonNode uint32s) {
    return StreamSupport.stream(uint32s.spliterator(), false).mapToInt(node -> (int) node.asLong()).toArray();
  }

  private static List<Long> longs(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asLong).toList();
  }

  private static List<Long> longs(long[] array) {
    List<Long> list = new ArrayList<>();
    for (long value : array) {
      list.add(value);
    }
    return list;
  }
}
