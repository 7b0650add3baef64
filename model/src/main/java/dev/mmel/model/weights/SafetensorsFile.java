package dev.mmel.model.weights;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.mmel.core.Float16;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * A read-only, memory-mapped view of one safetensors file.
 *
 * <p>{@link #open} reads and validates only the header; tensor bytes are mapped on demand, one tensor (or one
 * window of a large tensor) at a time, so nothing is copied onto the heap unless a caller asks for an array and
 * no single mapping has to span the whole file. Positions are {@code long} throughout, so files and tensors past
 * 2 GiB work; only {@link #rawBytes} and {@link #readFloats(String)} are bounded by what one buffer or array can
 * hold.
 *
 * <p>Validation follows the reference implementation and is strict: besides well-formed JSON and consistent
 * sizes, the tensors must tile the data section exactly, starting at offset 0, with no overlaps, no holes and
 * no trailing bytes. Keys inside a tensor entry other than {@code dtype}, {@code shape} and {@code data_offsets}
 * are ignored, as the reference implementation ignores them.
 *
 * <p>Thread-safe: the header index is immutable and every read maps its own buffer, so any number of threads
 * may read concurrently. {@link #close} closes the file channel; buffers already returned by {@link #rawBytes}
 * stay valid until they are garbage collected (Java 17 offers no supported way to unmap them earlier), and
 * reads racing with {@code close} fail with {@link java.nio.channels.ClosedChannelException}. Truncating the
 * file while it is open makes reads of the lost region fail with {@link InternalError}, as with any mapping.
 */
public final class SafetensorsFile implements TensorSource {

  /** The reference implementation's bound; a larger length means corruption, not a big model. */
  static final long MAX_HEADER_BYTES = 100_000_000L;
  private static final int LENGTH_PREFIX_BYTES = Long.BYTES;
  /** Large enough that mapping cost is negligible, small enough for one MappedByteBuffer; a multiple of 8. */
  private static final long DEFAULT_WINDOW_BYTES = 1L << 30;
  /** The largest array length every JVM accepts. */
  private static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final long windowBytes;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;
  private volatile boolean closed;

  private SafetensorsFile(Path path, FileChannel channel, Header header, long windowBytes) {
    this.path = path;
    this.channel = channel;
    this.dataStart = header.dataStart();
    this.windowBytes = windowBytes;
    Map<String, TensorInfo> byName = new LinkedHashMap<>();
    header.tensors().forEach(info -> byName.put(info.name(), info));
    this.tensors = Collections.unmodifiableMap(byName);
    this.metadata = header.metadata();
  }

  /**
   * Opens {@code path} read-only and validates its header.
   *
   * @throws InvalidWeightsException if the file is not a well-formed safetensors file
   * @throws IOException             if it cannot be read
   */
  public static SafetensorsFile open(Path path) throws IOException {
    return open(path, DEFAULT_WINDOW_BYTES);
  }

  /** As {@link #open(Path)}, mapping at most {@code windowBytes} at a time; lets tests exercise windowing. */
  static SafetensorsFile open(Path path, long windowBytes) throws IOException {
    if (windowBytes <= 0 || windowBytes % Long.BYTES != 0 || windowBytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("window must be a positive multiple of 8 below 2 GiB: " + windowBytes);
    }
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
    try {
      return new SafetensorsFile(path, channel, new HeaderParser(path).parse(channel), windowBytes);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  @Override
  public String description() {
    return path.toString();
  }

  @Override
  public String label() {
    return String.valueOf(path.getFileName());
  }

  @Override
  public long[] shape(String name) {
    return info(name).shape();
  }

  @Override
  public String dtype(String name) {
    return info(name).dtype().toString();
  }

  @Override
  public boolean readsAsFloat(String name) {
    return info(name).dtype().floatConvertible();
  }

  /** Tensor names in the order their bytes appear in the file, which makes sequential loading cheapest. */
  @Override
  public List<String> names() {
    return List.copyOf(tensors.keySet());
  }

  /** Header entries in the order their bytes appear in the file. */
  public List<TensorInfo> tensors() {
    return List.copyOf(tensors.values());
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /** @throws NoSuchElementException if the file holds no tensor of that name */
  public TensorInfo info(String name) {
    TensorInfo info = tensors.get(name);
    if (info == null) {
      throw new NoSuchElementException(path + ": no tensor named '" + name + "'");
    }
    return info;
  }

  /** The {@code __metadata__} entries in header order; empty if the header has none. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * A read-only little-endian view of the tensor's bytes, mapped straight from the file (no copy).
   *
   * @throws UnsupportedOperationException if the tensor is 2 GiB or larger, more than one buffer can address
   */
  public ByteBuffer rawBytes(String name) throws IOException {
    TensorInfo info = info(name);
    if (info.byteLength() > Integer.MAX_VALUE) {
      throw new UnsupportedOperationException(path + ": tensor '" + name + "' is " + info.byteLength()
          + " bytes, more than one ByteBuffer can address; read it with readFloats(name, FloatBuffer)");
    }
    return map(dataStart + info.dataOffset(), info.byteLength());
  }

  /**
   * The tensor's values widened to float (exact for F32, F16 and BF16) in a new row-major array.
   *
   * @throws UnsupportedOperationException if the dtype is not F32, F16 or BF16, or the tensor is too large
   *                                       for one array
   */
  public float[] readFloats(String name) throws IOException {
    TensorInfo info = info(name);
    decoderFor(info); // rejects non-float dtypes before anything is allocated
    if (info.elementCount() > MAX_ARRAY_LENGTH) {
      throw new UnsupportedOperationException(path + ": tensor '" + name + "' has " + info.elementCount()
          + " elements, more than a Java array holds");
    }
    float[] values = new float[(int) info.elementCount()];
    readFloats(name, FloatBuffer.wrap(values));
    return values;
  }

  /**
   * Writes the tensor's values, widened to float, into {@code dst} at its position and advances it by the
   * element count. The file bytes are decoded straight from the mapping into {@code dst}, with no
   * intermediate array, so a direct buffer or a view of native tensor memory receives exactly one copy.
   *
   * @throws UnsupportedOperationException if the dtype is not F32, F16 or BF16
   * @throws IllegalArgumentException      if {@code dst} has fewer elements remaining than the tensor holds
   */
  @Override
  public void readFloats(String name, FloatBuffer dst) throws IOException {
    TensorInfo info = info(name);
    WindowDecoder decoder = decoderFor(info);
    if (dst.remaining() < info.elementCount()) {
      throw new IllegalArgumentException(path + ": tensor '" + name + "' has " + info.elementCount()
          + " elements but the destination has room for " + dst.remaining());
    }
    long position = dataStart + info.dataOffset();
    long remaining = info.byteLength();
    while (remaining > 0) {
      // Windows are multiples of 8 bytes, so no element straddles two of them.
      long size = Math.min(remaining, windowBytes);
      decoder.decode(map(position, size), dst);
      position += size;
      remaining -= size;
    }
  }

  /** Closes the file; idempotent. Tensor info and metadata remain available, reads fail. */
  @Override
  public void close() throws IOException {
    closed = true;
    channel.close();
  }

  @Override
  public String toString() {
    return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
  }

  private WindowDecoder decoderFor(TensorInfo info) {
    return switch (info.dtype()) {
      case F32 -> (window, dst) -> dst.put(window.asFloatBuffer());
      case F16 -> (window, dst) -> {
        ShortBuffer halves = window.asShortBuffer();
        for (int i = 0; i < halves.limit(); i++) {
          dst.put(Float16.halfToFloat(halves.get(i)));
        }
      };
      case BF16 -> (window, dst) -> {
        ShortBuffer halves = window.asShortBuffer();
        for (int i = 0; i < halves.limit(); i++) {
          dst.put(Float16.bfloat16ToFloat(halves.get(i)));
        }
      };
      default -> throw new UnsupportedOperationException(path + ": tensor '" + info.name() + "' has dtype "
          + info.dtype() + "; only F32, F16 and BF16 convert to float");
    };
  }

  private ByteBuffer map(long position, long size) throws IOException {
    if (closed) {
      throw new IllegalStateException(path + " is closed");
    }
    return channel.map(FileChannel.MapMode.READ_ONLY, position, size).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Widens one mapped, element-aligned little-endian window into the destination. */
  @FunctionalInterface
  private interface WindowDecoder {
    void decode(ByteBuffer window, FloatBuffer dst);
  }

  /** What the header says, already checked against the file size. */
  private record Header(long dataStart, List<TensorInfo> tensors, Map<String, String> metadata) {
  }

  /** Reads and validates a header; every failure names the file, and the tensor where one is to blame. */
  private static final class HeaderParser {

    private static final String METADATA_KEY = "__metadata__";
    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
            // Jackson's default string limit (20 M chars) is below what a legal header may hold.
            .streamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength((int) MAX_HEADER_BYTES)
                .build())
            .build())
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();

    private final Path path;

    HeaderParser(Path path) {
      this.path = path;
    }

    Header parse(FileChannel channel) throws IOException {
      long fileSize = channel.size();
      if (fileSize < LENGTH_PREFIX_BYTES) {
        throw invalid("file is " + fileSize + " bytes, shorter than the 8-byte header length prefix");
      }
      long headerLength = readFully(channel, 0, LENGTH_PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong();
      // The prefix is an unsigned u64: a negative long is a length beyond 2^63.
      if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
        throw invalid("header length " + Long.toUnsignedString(headerLength) + " is absurd (limit "
            + MAX_HEADER_BYTES + " bytes)");
      }
      long available = fileSize - LENGTH_PREFIX_BYTES;
      if (headerLength > available) {
        throw invalid("header length " + headerLength + " is larger than the " + available
            + " bytes that follow the length prefix");
      }
      JsonNode root = parseJson(readFully(channel, LENGTH_PREFIX_BYTES, (int) headerLength));
      long dataStart = LENGTH_PREFIX_BYTES + headerLength;
      long dataLength = fileSize - dataStart;
      Map<String, String> metadata = Map.of();
      List<TensorInfo> tensors = new ArrayList<>();
      for (Map.Entry<String, JsonNode> field : root.properties()) {
        if (field.getKey().equals(METADATA_KEY)) {
          metadata = parseMetadata(field.getValue());
        } else {
          tensors.add(parseTensor(field.getKey(), field.getValue(), dataLength));
        }
      }
      tensors.sort(Comparator.comparingLong(TensorInfo::dataOffset).thenComparingLong(TensorInfo::dataEnd));
      checkTiling(tensors, dataLength);
      return new Header(dataStart, List.copyOf(tensors), metadata);
    }

    private JsonNode parseJson(ByteBuffer bytes) throws InvalidWeightsException {
      String text;
      try {
        text = StandardCharsets.UTF_8.newDecoder().decode(bytes).toString();
      } catch (CharacterCodingException e) {
        throw invalid("header is not valid UTF-8", e);
      }
      // The reference implementation insists on this too; it also rules out arrays, scalars and blanks.
      if (!text.startsWith("{")) {
        throw invalid("header is not a JSON object: it must start with '{'");
      }
      try {
        return JSON.readTree(text);
      } catch (JsonProcessingException e) {
        JsonLocation where = e.getLocation();
        String at = where == null ? "" : " at character " + where.getCharOffset();
        throw invalid("header is not valid JSON" + at + ": " + e.getOriginalMessage(), e);
      }
    }

    private Map<String, String> parseMetadata(JsonNode node) throws InvalidWeightsException {
      if (!node.isObject()) {
        throw invalid(METADATA_KEY + " is " + kind(node) + ", not an object of strings");
      }
      Map<String, String> metadata = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> entry : node.properties()) {
        if (!entry.getValue().isTextual()) {
          throw invalid(METADATA_KEY + " entry '" + entry.getKey() + "' is " + kind(entry.getValue())
              + ", not a string");
        }
        metadata.put(entry.getKey(), entry.getValue().textValue());
      }
      return Collections.unmodifiableMap(metadata);
    }

    private TensorInfo parseTensor(String name, JsonNode entry, long dataLength) throws InvalidWeightsException {
      String tensor = "tensor '" + name + "': ";
      if (!entry.isObject()) {
        throw invalid(tensor + "entry is " + kind(entry) + ", not an object");
      }
      JsonNode dtypeNode = entry.get("dtype");
      if (dtypeNode == null || !dtypeNode.isTextual()) {
        throw invalid(tensor + "dtype is missing or not a string");
      }
      TensorDType dtype = TensorDType.fromCode(dtypeNode.textValue())
          .orElseThrow(() -> invalid(tensor + "unknown dtype '" + dtypeNode.textValue() + "'"));
      long[] shape = parseShape(tensor, entry.get("shape"));
      long[] offsets = parseOffsets(tensor, entry.get("data_offsets"));
      long needed;
      try {
        needed = Math.multiplyExact(TensorInfo.elementCount(shape), (long) dtype.byteSize());
      } catch (ArithmeticException e) {
        throw invalid(tensor + dtype + " shape " + Arrays.toString(shape) + " needs more than 2^63 bytes");
      }
      String offsetText = Arrays.toString(offsets);
      long span = offsets[1] - offsets[0];
      if (span != needed) {
        throw invalid(tensor + "data_offsets " + offsetText + " span " + span + " bytes but " + dtype
            + " shape " + Arrays.toString(shape) + " needs " + needed);
      }
      if (offsets[1] > dataLength) {
        throw invalid(tensor + "data_offsets " + offsetText + " reach beyond the " + dataLength
            + "-byte data section");
      }
      return new TensorInfo(name, dtype, shape, offsets[0]);
    }

    private long[] parseShape(String tensor, JsonNode node) throws InvalidWeightsException {
      if (node == null || !node.isArray()) {
        throw invalid(tensor + "shape is missing or not an array");
      }
      long[] shape = new long[node.size()];
      for (int i = 0; i < shape.length; i++) {
        JsonNode dim = node.get(i);
        if (!dim.isIntegralNumber() || !dim.canConvertToLong()) {
          throw invalid(tensor + "shape " + node + " must hold 64-bit integers");
        }
        shape[i] = dim.longValue();
        if (shape[i] < 0) {
          throw invalid(tensor + "shape " + node + " has negative dimension " + shape[i]);
        }
      }
      return shape;
    }

    private long[] parseOffsets(String tensor, JsonNode node) throws InvalidWeightsException {
      if (node == null || !node.isArray() || node.size() != 2
          || !isLong(node.get(0)) || !isLong(node.get(1))) {
        throw invalid(tensor + "data_offsets must be two integers [begin, end], got " + node);
      }
      long begin = node.get(0).longValue();
      long end = node.get(1).longValue();
      if (begin < 0 || end < 0) {
        throw invalid(tensor + "data_offsets " + node + " are negative");
      }
      if (begin > end) {
        throw invalid(tensor + "data_offsets " + node + " decrease: begin must not exceed end");
      }
      return new long[] {begin, end};
    }

    /** The format requires the tensors, sorted by offset, to tile [0, dataLength) exactly. */
    private void checkTiling(List<TensorInfo> byOffset, long dataLength) throws InvalidWeightsException {
      long covered = 0;
      TensorInfo previous = null;
      for (TensorInfo info : byOffset) {
        if (info.dataOffset() < covered) {
          throw invalid("tensors '" + previous.name() + "' " + extent(previous) + " and '" + info.name()
              + "' " + extent(info) + " overlap");
        }
        if (info.dataOffset() > covered) {
          throw invalid("gap of " + (info.dataOffset() - covered) + " bytes before tensor '" + info.name()
              + "' at data offset " + info.dataOffset()
              + "; tensors must cover the data section contiguously");
        }
        covered = info.dataEnd();
        previous = info;
      }
      if (covered != dataLength) {
        throw invalid("the last " + (dataLength - covered) + " bytes of the " + dataLength
            + "-byte data section belong to no tensor; tensors must cover it exactly");
      }
    }

    private ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
      ByteBuffer buffer = ByteBuffer.allocate(length);
      while (buffer.hasRemaining()) {
        if (channel.read(buffer, position + buffer.position()) < 0) {
          throw new EOFException(path + ": file shrank while its header was being read");
        }
      }
      return buffer.flip();
    }

    private static boolean isLong(JsonNode node) {
      return node.isIntegralNumber() && node.canConvertToLong();
    }

    private static String extent(TensorInfo info) {
      return "[" + info.dataOffset() + ", " + info.dataEnd() + "]";
    }

    private static String kind(JsonNode node) {
      return "a JSON " + node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private InvalidWeightsException invalid(String problem) {
      return new InvalidWeightsException(path, problem);
    }

    private InvalidWeightsException invalid(String problem, Throwable cause) {
      return new InvalidWeightsException(path, problem, cause);
    }
  }
}
