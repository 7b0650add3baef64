package dev.mmel.model.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.Float16;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {

  @TempDir
  Path dir;

  @Test
  void tensorsOfEveryFloatDtypeRoundTripExactly() throws IOException {
    float[] f32 = {1.5f, -2.25f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NEGATIVE_INFINITY, -0.0f};
    float[] f16 = {1.0f, -65504.0f, 0x1p-24f, 0.333251953125f, Float.POSITIVE_INFINITY, 0.0f};
    float[] bf16 = {1.0f, -5.0f, 0x1p-133f, 0x1.FEp127f};
    Path file = dir.resolve("model.safetensors");
    new SafetensorsWriter()
        .add("layer.weight", TensorDType.F32, new long[] {2, 3}, f32)
        .add("layer.half", TensorDType.F16, new long[] {3, 2}, f16)
        .add("layer.brain", TensorDType.BF16, new long[] {4}, bf16)
        .write(file);
    try (SafetensorsFile weights = SafetensorsFile.open(file)) {
      assertArrayEquals(f32, weights.readFloats("layer.weight"));
      assertArrayEquals(f16, weights.readFloats("layer.half"));
      assertArrayEquals(bf16, weights.readFloats("layer.brain"));
      assertEquals(TensorDType.F16, weights.info("layer.half").dtype());
      assertArrayEquals(new long[] {3, 2}, weights.info("layer.half").shape());
      assertTrue(Float.isNaN(roundTrip(TensorDType.F16, Float.NaN)));
      assertTrue(Float.isNaN(roundTrip(TensorDType.BF16, Float.NaN)));
    }
  }

  @Test
  void narrowingRoundsToNearestEven() throws IOException {
    assertEquals(1.0f, roundTrip(TensorDType.F16, 1 + 0x1p-11f));
    assertEquals(1 + 0x1p-9f, roundTrip(TensorDType.F16, 1 + 3 * 0x1p-11f));
    assertEquals(Float.POSITIVE_INFINITY, roundTrip(TensorDType.F16, 65520f));
    assertEquals(1.0f, roundTrip(TensorDType.BF16, Float.intBitsToFloat(0x3F808000)));
    assertEquals(Float.intBitsToFloat(0x3F820000), roundTrip(TensorDType.BF16, Float.intBitsToFloat(0x3F818000)));
  }

  @Test
  void layoutIsSortedByNameWithAPaddedHeaderAndMetadataFirst() throws IOException {
    Path file = dir.resolve("layout.safetensors");
    new SafetensorsWriter()
        .add("zeta", TensorDType.F32, new long[] {1}, new float[] {3})
        .add("alpha", TensorDType.F16, new long[] {1}, new float[] {1})
        .add("Beta", TensorDType.F32, new long[] {1}, new float[] {2})
        .metadata("format", "pt")
        .write(file);
    byte[] bytes = Files.readAllBytes(file);
    long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    assertEquals(0, headerLength % 8);
    String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
    assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"Beta\":"), header);
    assertTrue(header.indexOf("\"Beta\"") < header.indexOf("\"alpha\"")
        && header.indexOf("\"alpha\"") < header.indexOf("\"zeta\""), header);
    String json = header.stripTrailing();
    assertTrue(json.endsWith("}"), header);
    assertEquals(" ".repeat(header.length() - json.length()), header.substring(json.length()));
    assertTrue(header.length() - json.length() < 8, header);
    assertEquals(8 + headerLength + 4 + 2 + 4, bytes.length);
    try (SafetensorsFile weights = SafetensorsFile.open(file)) {
      assertEquals(List.of("Beta", "alpha", "zeta"), weights.names());
      assertEquals(0, weights.info("Beta").dataOffset());
      assertEquals(4, weights.info("alpha").dataOffset());
      assertEquals(6, weights.info("zeta").dataOffset());
    }
  }

  @Test
  void metadataRoundTrips() throws IOException {
    Path file = dir.resolve("meta.safetensors");
    new SafetensorsWriter()
        .metadata("format", "pt")
        .metadata("note", "caf\u00e9 \"quoted\" \u2603")
        .metadata("format", "np")
        .write(file);
    try (SafetensorsFile weights = SafetensorsFile.open(file)) {
      assertEquals(Map.of("format", "np", "note", "caf\u00e9 \"quoted\" \u2603"), weights.metadata());
      assertEquals(List.of(), weights.names());
    }
  }

  @Test
  void sourcesStreamInPiecesAndAreAskedOnlyDuringWrite() throws IOException {
    AtomicReference<String> calls = new AtomicReference<>("");
    Path file = dir.resolve("stream.safetensors");
    SafetensorsWriter writer = new SafetensorsWriter()
        .add("b", TensorDType.BF16, new long[] {2, 1000}, sink -> {
          calls.set(calls.get() + "b");
          float[] chunk = new float[700];
          for (int start = 0; start < 2000; start += chunk.length) {
            int length = Math.min(chunk.length, 2000 - start);
            for (int i = 0; i < length; i++) {
              chunk[i] = start + i;
            }
            sink.put(chunk, 0, length);
          }
        })
        .add("a", TensorDType.F32, new long[] {3}, sink -> {
          calls.set(calls.get() + "a");
          sink.put(7f);
          sink.put(FloatBuffer.wrap(new float[] {8f, 9f}));
        });
    assertEquals("", calls.get());
    writer.write(file);
    assertEquals("ab", calls.get());
    try (SafetensorsFile weights = SafetensorsFile.open(file)) {
      assertArrayEquals(new float[] {7, 8, 9}, weights.readFloats("a"));
      float[] b = weights.readFloats("b");
      for (int i = 0; i < b.length; i++) {
        assertEquals(Float16.bfloat16ToFloat(Float16.floatToBfloat16(i)), b[i]);
      }
    }
  }

  @Test
  void scalarsAndEmptyTensorsAreWritten() throws IOException {
    Path file = dir.resolve("edge.safetensors");
    new SafetensorsWriter()
        .add("empty", TensorDType.F16, new long[] {0, 4}, new float[0])
        .add("scalar", TensorDType.F32, new long[0], new float[] {42})
        .write(file);
    try (SafetensorsFile weights = SafetensorsFile.open(file)) {
      assertArrayEquals(new float[0], weights.readFloats("empty"));
      assertArrayEquals(new float[] {42}, weights.readFloats("scalar"));
    }
  }

  @Test
  void sourcesSupplyingTheWrongNumberOfValuesFailWithoutLeavingFiles() throws IOException {
    Path file = dir.resolve("bad.safetensors");
    IllegalStateException tooMany = assertThrows(IllegalStateException.class, () -> new SafetensorsWriter()
        .add("w", TensorDType.F32, new long[] {2}, sink -> sink.put(new float[3]))
        .write(file));
    assertTrue(tooMany.getMessage().contains("tensor 'w': source supplies more than the 2 values"),
        tooMany.getMessage());
    IllegalStateException tooFew = assertThrows(IllegalStateException.class, () -> new SafetensorsWriter()
        .add("w", TensorDType.F16, new long[] {2, 2}, sink -> sink.put(1f))
        .write(file));
    assertTrue(tooFew.getMessage().contains("tensor 'w': source supplied 1 of the 4 values of shape [2, 2]"),
        tooFew.getMessage());
    assertEquals(List.of(), listDir());
  }

  @Test
  void aFailedWriteLeavesThePreviousFileIntact() throws IOException {
    Path file = dir.resolve("keep.safetensors");
    new SafetensorsWriter().add("w", TensorDType.F32, new long[] {1}, new float[] {1}).write(file);
    byte[] before = Files.readAllBytes(file);
    IOException boom = new IOException("disk on fire");
    IOException thrown = assertThrows(IOException.class, () -> new SafetensorsWriter()
        .add("a", TensorDType.F32, new long[] {1}, new float[] {2})
        .add("w", TensorDType.F32, new long[] {1}, sink -> {
          throw boom;
        })
        .write(file));
    assertSame(boom, thrown);
    assertArrayEquals(before, Files.readAllBytes(file));
    assertEquals(List.of(file), listDir());
  }

  @Test
  void aSuccessfulWriteReplacesTheTarget() throws IOException {
    Path file = dir.resolve("replace.safetensors");
    new SafetensorsWriter().add("old", TensorDType.F32, new long[] {1}, new float[] {1}).write(file);
    new SafetensorsWriter().add("new", TensorDType.F32, new long[] {1}, new float[] {2}).write(file);
    try (SafetensorsFile weights = SafetensorsFile.open(file)) {
      assertEquals(List.of("new"), weights.names());
    }
    assertEquals(List.of(file), listDir());
  }

  @Test
  void aSinkKeptPastItsSourceIsRejected() throws IOException {
    AtomicReference<SafetensorsWriter.FloatSink> leaked = new AtomicReference<>();
    new SafetensorsWriter()
        .add("w", TensorDType.F32, new long[] {1}, sink -> {
          leaked.set(sink);
          sink.put(1f);
        })
        .write(dir.resolve("leak.safetensors"));
    assertThrows(IllegalStateException.class, () -> leaked.get().put(2f));
  }

  @Test
  void declarationsAreValidated() {
    SafetensorsWriter writer = new SafetensorsWriter().add("w", TensorDType.F32, new long[] {1}, new float[1]);
    assertMessage(() -> writer.add("w", TensorDType.F32, new long[] {1}, new float[1]), "'w' is already declared");
    assertMessage(() -> writer.add("__metadata__", TensorDType.F32, new long[] {1}, new float[1]), "reserved");
    assertMessage(() -> writer.add("ids", TensorDType.I64, new long[] {1}, sink -> { }),
        "tensor 'ids': can only write F32, F16 or BF16, not I64");
    assertMessage(() -> writer.add("neg", TensorDType.F32, new long[] {2, -1}, sink -> { }),
        "tensor 'neg': shape [2, -1] has negative dimension -1");
    assertMessage(() -> writer.add("neg", TensorDType.F32, new long[] {-1}, new float[1]),
        "tensor 'neg': shape [-1] has negative dimension -1");
    assertMessage(() -> writer.add("short", TensorDType.F32, new long[] {2, 2}, new float[3]),
        "tensor 'short': shape [2, 2] holds 4 values but 3 were given");
  }

  private float roundTrip(TensorDType dtype, float value) throws IOException {
    Path file = Files.createTempFile(dir, "one", ".safetensors");
    new SafetensorsWriter().add("x", dtype, new long[] {1}, new float[] {value}).write(file);
    try (SafetensorsFile weights = SafetensorsFile.open(file)) {
      return weights.readFloats("x")[0];
    }
  }

  private List<Path> listDir() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }

  private static void assertMessage(Executable call, String fragment) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' lacks '" + fragment + "'");
  }
}
