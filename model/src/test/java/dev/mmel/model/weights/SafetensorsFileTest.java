package dev.mmel.model.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads files crafted byte by byte, so these tests do not depend on {@link SafetensorsWriter}. */
class SafetensorsFileTest {

  private static final float[] F32_VALUES = {1.5f, -2.0f, 0x1p-149f, Float.NEGATIVE_INFINITY, -0.0f, 3.1415927f};
  private static final int[] F16_BITS = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0xFC00};
  private static final float[] F16_VALUES = {1.0f, -2.0f, 65504.0f, 0x1p-24f, Float.NEGATIVE_INFINITY};
  private static final int[] BF16_BITS = {0x3F80, 0xC0A0, 0x7F7F, 0x0001};
  private static final float[] BF16_VALUES = {1.0f, -5.0f, 0x1.FEp127f, 0x1p-133f};

  @TempDir
  Path dir;

  @Test
  void readsF32F16AndBf16TensorsExactly() throws IOException {
    Path file = mixedFile();
    try (SafetensorsFile weights = SafetensorsFile.open(file)) {
      assertEquals(List.of("f32", "f16", "bf16"), weights.names());
      assertArrayEquals(F32_VALUES, weights.readFloats("f32"));
      assertArrayEquals(F16_VALUES, weights.readFloats("f16"));
      assertArrayEquals(BF16_VALUES, weights.readFloats("bf16"));
      assertEquals(new TensorInfo("f16", TensorDType.F16, new long[] {5}, 24), weights.info("f16"));
      assertArrayEquals(new long[] {2, 3}, weights.info("f32").shape());
      assertEquals(24, weights.info("f32").byteLength());
      assertEquals(Map.of("format", "pt", "note", "h\u00e9llo"), weights.metadata());
    }
  }

  @Test
  void namesFollowDataOrderNotHeaderOrder() throws IOException {
    Path file = write("order.safetensors", """
        {"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},\
        "a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", f32(1, 2));
    try (SafetensorsFile weights = SafetensorsFile.open(file)) {
      assertEquals(List.of("a", "b"), weights.names());
      assertArrayEquals(new float[] {2}, weights.readFloats("b"));
    }
  }

  @Test
  void readsIntoACallerBufferAndAdvancesItsPosition() throws IOException {
    try (SafetensorsFile weights = SafetensorsFile.open(mixedFile())) {
      FloatBuffer target = ByteBuffer.allocateDirect(64).order(ByteOrder.nativeOrder()).asFloatBuffer();
      target.put(42f);
      weights.readFloats("f16", target);
      weights.readFloats("bf16", target);
      assertEquals(10, target.position());
      float[] all = new float[10];
      target.flip().get(all);
      assertEquals(42f, all[0]);
      assertArrayEquals(F16_VALUES, Arrays.copyOfRange(all, 1, 6));
      assertArrayEquals(BF16_VALUES, Arrays.copyOfRange(all, 6, 10));

      IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
          () -> weights.readFloats("f32", FloatBuffer.allocate(5)));
      assertTrue(tooSmall.getMessage().contains("'f32' has 6 elements but the destination has room for 5"));
    }
  }

  @Test
  void readsLargeTensorsInWindowsWithoutChangingValues() throws IOException {
    try (SafetensorsFile weights = SafetensorsFile.open(mixedFile(), 8)) {
      assertArrayEquals(F32_VALUES, weights.readFloats("f32"));
      assertArrayEquals(F16_VALUES, weights.readFloats("f16"));
      assertArrayEquals(BF16_VALUES, weights.readFloats("bf16"));
    }
  }

  @Test
  void rawBytesAreAReadOnlyLittleEndianViewOfTheTensor() throws IOException {
    try (SafetensorsFile weights = SafetensorsFile.open(mixedFile())) {
      ByteBuffer raw = weights.rawBytes("f16");
      assertTrue(raw.isReadOnly());
      assertEquals(ByteOrder.LITTLE_ENDIAN, raw.order());
      assertEquals(10, raw.remaining());
      assertEquals((short) 0x3C00, raw.getShort(0));
      assertEquals((short) 0xFC00, raw.getShort(8));
    }
  }

  @Test
  void otherDtypesValidateAndExposeRawBytesButDoNotConvertToFloat() throws IOException {
    Path file = write("ints.safetensors", """
        {"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},\
        "mask":{"dtype":"BOOL","shape":[2],"data_offsets":[16,18]}}""",
        ByteBuffer.allocate(18).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong(-1).put((byte) 1).array());
    try (SafetensorsFile weights = SafetensorsFile.open(file)) {
      assertEquals(-1L, weights.rawBytes("ids").getLong(8));
      UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
          () -> weights.readFloats("ids"));
      assertTrue(e.getMessage().contains("tensor 'ids' has dtype I64"), e.getMessage());
      assertThrows(UnsupportedOperationException.class, () -> weights.readFloats("mask", FloatBuffer.allocate(2)));
    }
  }

  @Test
  void scalarsAndEmptyTensorsAreAllowed() throws IOException {
    Path file = write("edge.safetensors", """
        {"empty":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},\
        "scalar":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}""", f32(7));
    try (SafetensorsFile weights = SafetensorsFile.open(file)) {
      assertArrayEquals(new float[0], weights.readFloats("empty"));
      assertEquals(0, weights.rawBytes("empty").remaining());
      assertArrayEquals(new float[] {7}, weights.readFloats("scalar"));
      assertEquals(0, weights.info("scalar").rank());
    }
  }

  @Test
  void anEmptyFileWithPaddingHasNoTensors() throws IOException {
    Path file = write("none.safetensors", "{}      ", new byte[0]);
    try (SafetensorsFile weights = SafetensorsFile.open(file)) {
      assertEquals(List.of(), weights.names());
      assertEquals(Map.of(), weights.metadata());
    }
  }

  @Test
  void unknownKeysInsideATensorEntryAreIgnored() throws IOException {
    Path file = write("extra.safetensors",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":[1]}}", f32(1));
    try (SafetensorsFile weights = SafetensorsFile.open(file)) {
      assertArrayEquals(new float[] {1}, weights.readFloats("w"));
    }
  }

  @Test
  void unknownTensorNamesAndClosedFilesFailClearly() throws IOException {
    SafetensorsFile weights = SafetensorsFile.open(mixedFile());
    NoSuchElementException missing = assertThrows(NoSuchElementException.class, () -> weights.info("nope"));
    assertTrue(missing.getMessage().contains("no tensor named 'nope'"));
    assertFalse(weights.contains("nope"));
    weights.close();
    weights.close();
    assertEquals(TensorDType.F32, weights.info("f32").dtype());
    IllegalStateException closed = assertThrows(IllegalStateException.class, () -> weights.readFloats("f32"));
    assertTrue(closed.getMessage().contains("is closed"));
  }

  @Test
  void concurrentReadersSeeTheSameValues() throws Exception {
    float[] values = new float[4096];
    for (int i = 0; i < values.length; i++) {
      values[i] = i * 0.25f - 100;
    }
    Path file = write("big.safetensors",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[4096],\"data_offsets\":[0,16384]}}", f32(values));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (SafetensorsFile weights = SafetensorsFile.open(file, 64)) {
      List<Future<float[]>> reads = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        reads.add(pool.submit(() -> weights.readFloats("w")));
      }
      for (Future<float[]> read : reads) {
        assertArrayEquals(values, read.get());
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void rejectsFilesShorterThanTheLengthPrefix() throws IOException {
    assertInvalid(writeBytes("empty.safetensors", new byte[0]), "file is 0 bytes, shorter than the 8-byte");
    assertInvalid(writeBytes("seven.safetensors", new byte[7]), "file is 7 bytes");
  }

  @Test
  void rejectsAbsurdHeaderLengths() throws IOException {
    assertInvalid(writeBytes("huge.safetensors", u64(100_000_001L), "{}".getBytes(StandardCharsets.UTF_8)),
        "header length 100000001 is absurd");
    assertInvalid(writeBytes("unsigned.safetensors", u64(-1L)), "header length 18446744073709551615 is absurd");
  }

  @Test
  void rejectsHeaderLengthsBeyondTheFile() throws IOException {
    assertInvalid(writeBytes("short.safetensors", u64(10), "{}".getBytes(StandardCharsets.UTF_8)),
        "header length 10 is larger than the 2 bytes that follow");
  }

  @Test
  void rejectsHeadersThatAreNotUtf8JsonObjects() throws IOException {
    assertInvalid(writeBytes("latin1.safetensors", u64(8), new byte[] {'{', '"', (byte) 0xE9, '"', ':', '1', '}', ' '}),
        "header is not valid UTF-8");
    assertInvalid(write("array.safetensors", "[1,2]", new byte[0]), "header is not a JSON object");
    assertInvalid(write("blank.safetensors", "", new byte[0]), "header is not a JSON object");
    assertInvalid(write("leading.safetensors", " {}", new byte[0]), "must start with '{'");
    assertInvalid(write("broken.safetensors", "{\"w\":", new byte[0]), "header is not valid JSON");
    assertInvalid(write("trailing.safetensors", "{} {}", new byte[0]), "header is not valid JSON");
    assertInvalid(write("dup.safetensors", """
        {"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},\
        "w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", f32(1, 2)),
        "header is not valid JSON", "Duplicate field 'w'");
  }

  @Test
  void rejectsMalformedMetadata() throws IOException {
    assertInvalid(write("meta-array.safetensors", "{\"__metadata__\":[\"a\"]}", new byte[0]),
        "__metadata__ is a JSON array, not an object of strings");
    assertInvalid(write("meta-number.safetensors", "{\"__metadata__\":{\"epoch\":3}}", new byte[0]),
        "__metadata__ entry 'epoch' is a JSON number, not a string");
  }

  @Test
  void rejectsTensorEntriesThatAreNotObjects() throws IOException {
    assertInvalid(write("scalar-entry.safetensors", "{\"w\":3}", new byte[0]),
        "tensor 'w': entry is a JSON number, not an object");
  }

  @Test
  void rejectsMissingAndUnknownDtypes() throws IOException {
    assertInvalid(tensorFile("{\"shape\":[1],\"data_offsets\":[0,4]}", 4), "tensor 'w': dtype is missing");
    assertInvalid(tensorFile("{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}", 4),
        "tensor 'w': dtype is missing or not a string");
    assertInvalid(tensorFile("{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}", 16),
        "tensor 'w': unknown dtype 'F128'");
    assertInvalid(tensorFile("{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}", 4),
        "tensor 'w': unknown dtype 'f32'");
  }

  @Test
  void rejectsMalformedShapes() throws IOException {
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,4]}", 4),
        "tensor 'w': shape [2,-1] has negative dimension -1");
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,4]}", 4),
        "tensor 'w': shape [2.5] must hold 64-bit integers");
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,4]}", 4),
        "tensor 'w': shape [\"2\"] must hold 64-bit integers");
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}", 4),
        "tensor 'w': shape [99999999999999999999] must hold 64-bit integers");
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"data_offsets\":[0,4]}", 4),
        "tensor 'w': shape is missing or not an array");
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}", 4),
        "tensor 'w': F32 shape [4611686018427387904, 4] needs more than 2^63 bytes");
  }

  @Test
  void rejectsMalformedDataOffsets() throws IOException {
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}", 4),
        "tensor 'w': data_offsets must be two integers [begin, end], got [4]");
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}", 8),
        "tensor 'w': data_offsets must be two integers");
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,\"4\"]}", 4),
        "tensor 'w': data_offsets must be two integers");
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0.0,4.0]}", 4),
        "tensor 'w': data_offsets must be two integers");
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"shape\":[1]}", 4),
        "tensor 'w': data_offsets must be two integers [begin, end], got null");
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}", 4),
        "tensor 'w': data_offsets [-4,0] are negative");
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}", 8),
        "tensor 'w': data_offsets [8,4] decrease");
  }

  @Test
  void rejectsByteLengthsThatDisagreeWithShapeAndDtype() throws IOException {
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,12]}", 12),
        "tensor 'w': data_offsets [0, 12] span 12 bytes but F32 shape [2, 3] needs 24");
    assertInvalid(tensorFile("{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,12]}", 12),
        "tensor 'w': data_offsets [0, 12] span 12 bytes but BF16 shape [3] needs 6");
  }

  @Test
  void rejectsOffsetsBeyondTheDataSection() throws IOException {
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}", 12),
        "tensor 'w': data_offsets [0, 16] reach beyond the 12-byte data section");
  }

  @Test
  void rejectsOverlappingTensors() throws IOException {
    Path file = write("overlap.safetensors", """
        {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},\
        "b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", new byte[12]);
    assertInvalid(file, "tensors 'a' [0, 8] and 'b' [4, 12] overlap");
  }

  @Test
  void rejectsHolesBetweenBeforeAndAfterTensors() throws IOException {
    assertInvalid(write("hole.safetensors", """
        {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},\
        "b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", new byte[12]),
        "gap of 4 bytes before tensor 'b' at data offset 8", "contiguously");
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}", 8),
        "gap of 4 bytes before tensor 'w' at data offset 4");
    assertInvalid(tensorFile("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", 6),
        "the last 2 bytes of the 6-byte data section belong to no tensor");
  }

  private Path mixedFile() throws IOException {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    data.writeBytes(f32(F32_VALUES));
    data.writeBytes(u16(F16_BITS));
    data.writeBytes(u16(BF16_BITS));
    // Trailing spaces pad the header as real writers do; they must be accepted.
    return write("mixed.safetensors", """
        {"__metadata__":{"format":"pt","note":"h\u00e9llo"},\
        "bf16":{"dtype":"BF16","shape":[2,2],"data_offsets":[34,42]},\
        "f32":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},\
        "f16":{"dtype":"F16","shape":[5],"data_offsets":[24,34]}}   \
        """, data.toByteArray());
  }

  /** A file with the single tensor 'w' described by {@code entry} and {@code dataBytes} zero bytes of data. */
  private Path tensorFile(String entry, int dataBytes) throws IOException {
    return write("w-" + Math.abs(entry.hashCode()) + "-" + dataBytes + ".safetensors",
        "{\"w\":" + entry + "}", new byte[dataBytes]);
  }

  private Path write(String name, String header, byte[] data) throws IOException {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    return writeBytes(name, u64(json.length), json, data);
  }

  private Path writeBytes(String name, byte[]... parts) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      bytes.writeBytes(part);
    }
    return Files.write(dir.resolve(name), bytes.toByteArray());
  }

  private static void assertInvalid(Path file, String... fragments) {
    InvalidWeightsException e = assertThrows(InvalidWeightsException.class, () -> SafetensorsFile.open(file));
    assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
    assertEquals(file, e.file());
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' lacks '" + fragment + "'");
    }
  }

  private static byte[] u64(long value) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
  }

  private static byte[] f32(float... values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : values) {
      buffer.putFloat(value);
    }
    return buffer.array();
  }

  private static byte[] u16(int... values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int value : values) {
      buffer.putShort((short) value);
    }
    return buffer.array();
  }
}
