package dev.mmel.model.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmel.core.Float16;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes float tensors to a safetensors file, converting to F32, F16 or BF16 (round to nearest, ties to even).
 *
 * <p>Tensors are declared first, each with a {@link FloatSource} that is only asked for its values while
 * {@link #write} streams the data section, one tensor after the other in name order. The header can be written
 * up front because shapes and dtypes fix every offset, so the file is produced in one sequential pass and the
 * writer itself holds no tensor data: peak heap is whatever the sources hold plus a 1 MiB staging buffer.
 *
 * <p>The output lists tensors sorted by name (by {@link String#compareTo}) with their bytes in the same order,
 * {@code __metadata__} first when present, and the header padded with spaces to a multiple of 8 bytes so the
 * data section starts aligned. It goes to a temporary file next to the target that is flushed to disk and then
 * atomically renamed over the target, so readers see either the old file or the complete new one, never a
 * partial write; on failure the temporary file is removed.
 *
 * <p>Not thread-safe: declare and write from one thread. {@link #write} may be called more than once; each call
 * asks every source for its values again.
 */
public final class SafetensorsWriter {

  private static final int STAGING_BYTES = 1 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, Declared> tensors = new TreeMap<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();

  /** Produces one tensor's values, row-major, by handing them to the sink; called once per {@link #write}. */
  @FunctionalInterface
  public interface FloatSource {
    void writeTo(FloatSink sink) throws IOException;
  }

  /**
   * Receives one tensor's values. It must receive exactly as many as the declared shape holds: more fails at
   * once, fewer fails when the source returns. It is valid only while its source runs.
   */
  public interface FloatSink {
    void put(float value) throws IOException;

    void put(float[] values, int offset, int length) throws IOException;

    default void put(float[] values) throws IOException {
      put(values, 0, values.length);
    }

    /** Consumes all remaining values of {@code values}, advancing its position. */
    void put(FloatBuffer values) throws IOException;
  }

  /** Adds or replaces a {@code __metadata__} entry. */
  public SafetensorsWriter metadata(String key, String value) {
    metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    return this;
  }

  /**
   * Declares a tensor whose values {@code source} supplies during {@link #write}.
   *
   * @param dtype F32, F16 or BF16: the stored type, converted from the floats the source supplies
   * @throws IllegalArgumentException if the name is taken or reserved, the dtype is not a float type, or the
   *                                  shape has a negative dimension or too many elements
   */
  public SafetensorsWriter add(String name, TensorDType dtype, long[] shape, FloatSource source) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(source, "source");
    if (name.equals("__metadata__")) {
      throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
    }
    if (tensors.containsKey(name)) {
      throw new IllegalArgumentException("tensor '" + name + "' is already declared");
    }
    FloatEncoder encoder = encoderFor(name, dtype);
    long[] ownShape = shape.clone();
    elementCount(name, ownShape);
    tensors.put(name, new Declared(dtype, ownShape, encoder, source));
    return this;
  }

  /**
   * Declares a tensor with values already in memory. The array is read during {@link #write}, not copied now,
   * so it must not change in between.
   *
   * @throws IllegalArgumentException also if the array length differs from the shape's element count
   */
  public SafetensorsWriter add(String name, TensorDType dtype, long[] shape, float[] values) {
    long expected = elementCount(name, shape);
    if (values.length != expected) {
      throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " holds "
          + expected + " values but " + values.length + " were given");
    }
    return add(name, dtype, shape, sink -> sink.put(values));
  }

  /**
   * Writes every declared tensor to {@code target}, replacing it atomically.
   *
   * @throws IllegalStateException if a source supplies more or fewer values than its shape holds
   * @throws java.nio.file.AtomicMoveNotSupportedException if the target's file system cannot rename atomically
   */
  public void write(Path target) throws IOException {
    List<TensorInfo> layout = layout();
    byte[] header = header(layout);
    Path temp = temporarySibling(target);
    FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try {
      try (out) {
        Staging staging = new Staging(out);
        staging.put(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length));
        staging.put(ByteBuffer.wrap(header));
        for (TensorInfo info : layout) {
          Declared declared = tensors.get(info.name());
          TensorSink sink = new TensorSink(staging, info, declared.encoder());
          declared.source().writeTo(sink);
          sink.finish();
        }
        staging.flush();
        // Without this the rename could reach the disk before the data and survive a crash empty.
        out.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException | Error e) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  private List<TensorInfo> layout() {
    List<TensorInfo> layout = new ArrayList<>(tensors.size());
    long offset = 0;
    for (Map.Entry<String, Declared> entry : tensors.entrySet()) {
      TensorInfo info = new TensorInfo(entry.getKey(), entry.getValue().dtype(), entry.getValue().shape(), offset);
      layout.add(info);
      offset = info.dataEnd();
    }
    return layout;
  }

  private byte[] header(List<TensorInfo> layout) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode entries = root.putObject("__metadata__");
      metadata.forEach(entries::put);
    }
    for (TensorInfo info : layout) {
      ObjectNode entry = root.putObject(info.name());
      entry.put("dtype", info.dtype().name());
      ArrayNode shape = entry.putArray("shape");
      for (long dim : info.shape()) {
        shape.add(dim);
      }
      entry.putArray("data_offsets").add(info.dataOffset()).add(info.dataEnd());
    }
    byte[] json = JSON.writeValueAsBytes(root);
    int padded = (json.length + 7) & ~7;
    if (padded > SafetensorsFile.MAX_HEADER_BYTES) {
      throw new IllegalStateException("header would be " + padded + " bytes, more than readers accept ("
          + SafetensorsFile.MAX_HEADER_BYTES + ")");
    }
    byte[] header = Arrays.copyOf(json, padded);
    Arrays.fill(header, json.length, padded, (byte) ' ');
    return header;
  }

  /** In the target's directory, because an atomic rename cannot cross file systems. */
  private static Path temporarySibling(Path target) {
    Path absolute = target.toAbsolutePath();
    String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());
    return absolute.resolveSibling("." + absolute.getFileName() + "." + suffix + ".tmp");
  }

  private static long elementCount(String name, long[] shape) {
    try {
      return TensorInfo.elementCount(shape);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage(), e);
    }
  }

  private static FloatEncoder encoderFor(String name, TensorDType dtype) {
    return switch (dtype) {
      case F32 -> ByteBuffer::putFloat;
      case F16 -> (out, value) -> out.putShort(Float16.floatToHalf(value));
      case BF16 -> (out, value) -> out.putShort(Float16.floatToBfloat16(value));
      default -> throw new IllegalArgumentException(
          "tensor '" + name + "': can only write F32, F16 or BF16, not " + dtype);
    };
  }

  private record Declared(TensorDType dtype, long[] shape, FloatEncoder encoder, FloatSource source) {
  }

  /** Appends one value in the stored dtype to a little-endian buffer with room for it. */
  @FunctionalInterface
  private interface FloatEncoder {
    void encode(ByteBuffer out, float value);
  }

  /** Batches small writes into large ones on the way to the channel. */
  private static final class Staging {
    private final FileChannel out;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(STAGING_BYTES).order(ByteOrder.LITTLE_ENDIAN);

    Staging(FileChannel out) {
      this.out = out;
    }

    ByteBuffer room(int bytes) throws IOException {
      if (buffer.remaining() < bytes) {
        flush();
      }
      return buffer;
    }

    void put(ByteBuffer bytes) throws IOException {
      flush();
      while (bytes.hasRemaining()) {
        out.write(bytes);
      }
    }

    void flush() throws IOException {
      buffer.flip();
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
      buffer.clear();
    }
  }

  /** Encodes one tensor's floats into its dtype and counts them against the declared shape. */
  private static final class TensorSink implements FloatSink {
    private final Staging staging;
    private final TensorInfo info;
    private final FloatEncoder encoder;
    private final int elementBytes;
    private long remaining;
    private boolean finished;

    TensorSink(Staging staging, TensorInfo info, FloatEncoder encoder) {
      this.staging = staging;
      this.info = info;
      this.encoder = encoder;
      this.elementBytes = info.dtype().byteSize();
      this.remaining = info.elementCount();
    }

    @Override
    public void put(float value) throws IOException {
      if (finished) {
        throw new IllegalStateException("tensor '" + info.name() + "': sink used after its source returned");
      }
      if (remaining == 0) {
        throw new IllegalStateException("tensor '" + info.name() + "': source supplies more than the "
            + info.elementCount() + " values of shape " + Arrays.toString(info.shape()));
      }
      encoder.encode(staging.room(elementBytes), value);
      remaining--;
    }

    @Override
    public void put(float[] values, int offset, int length) throws IOException {
      Objects.checkFromIndexSize(offset, length, values.length);
      for (int i = offset; i < offset + length; i++) {
        put(values[i]);
      }
    }

    @Override
    public void put(FloatBuffer values) throws IOException {
      while (values.hasRemaining()) {
        put(values.get());
      }
    }

    void finish() {
      finished = true;
      if (remaining != 0) {
        throw new IllegalStateException("tensor '" + info.name() + "': source supplied "
            + (info.elementCount() - remaining) + " of the " + info.elementCount() + " values of shape "
            + Arrays.toString(info.shape()));
      }
    }
  }
}
