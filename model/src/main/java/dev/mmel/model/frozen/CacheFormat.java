package dev.mmel.model.frozen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.core.Float16;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * How a feature cache stores its values. Version 2 keeps each value as IEEE binary16: half the
 * disk and page cache of version 1's float32 (about 38 KB instead of 77 KB per text at
 * [51, 384]), and the rounding (relative 2^-11) is far below the int8 backbone's own quantization
 * noise, so the int8 backbone's caches use it. A model directory's own tower caches float32
 * (version 1, recorded as such): its exported model computes those features itself when it
 * serves, and what training and evaluation read must be the same numbers. Version 1 caches
 * written before {@code format.json} existed are read and extended as float32.
 */
enum CacheFormat {
  FLOAT32(1, "features.f32", Float.BYTES),
  FLOAT16(2, "features.f16", Short.BYTES);

  static final String FILE = "format.json";
  /** The largest finite binary16 value. */
  private static final float HALF_MAX = 65504f;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final int version;
  private final String dataFile;
  private final int bytesPerValue;

  CacheFormat(int version, String dataFile, int bytesPerValue) {
    this.version = version;
    this.dataFile = dataFile;
    this.bytesPerValue = bytesPerValue;
  }

  int version() {
    return version;
  }

  String dataFile() {
    return dataFile;
  }

  int bytesPerValue() {
    return bytesPerValue;
  }

  /**
   * The format of the cache in {@code directory}: its {@code format.json}; float32 for a cache
   * written before there was one; for a new cache, {@code forNew}, recorded.
   */
  static CacheFormat of(Path directory, CacheFormat forNew) throws IOException {
    Path file = directory.resolve(FILE);
    if (Files.exists(file)) {
      JsonNode version = JSON.readTree(file.toFile()).path("version");
      for (CacheFormat format : values()) {
        if (format.version == version.asInt(-1)) {
          return format;
        }
      }
      throw new IOException(file + " names cache format version " + version + ", which this "
          + "build does not know (it reads 1 and 2); delete " + directory + " to rebuild the "
          + "cache, or use the mmel that wrote it");
    }
    if (Files.exists(directory.resolve("index.txt"))) {
      return FLOAT32;
    }
    Files.writeString(file, JSON.writeValueAsString(Map.of("version", forNew.version,
        "values", forNew.name().toLowerCase(java.util.Locale.ROOT))) + "\n");
    return forNew;
  }

  /** Appends {@code length} values from {@code values[offset]} to {@code buffer}. */
  void put(ByteBuffer buffer, float[] values, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      if (this == FLOAT32) {
        buffer.putFloat(values[i]);
      } else {
        if (!(Math.abs(values[i]) <= HALF_MAX)) {
          throw new IllegalStateException("feature value " + values[i] + " does not fit a "
              + "binary16 cache (finite, |x| <= 65504)");
        }
        buffer.putShort(Float16.floatToHalf(values[i]));
      }
    }
  }

  /** Reads {@code length} values from {@code buffer} into {@code values[offset]}. */
  void get(ByteBuffer buffer, float[] values, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      values[i] = this == FLOAT32 ? buffer.getFloat() : Float16.halfToFloat(buffer.getShort());
    }
  }
}
