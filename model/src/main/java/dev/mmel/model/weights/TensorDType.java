package dev.mmel.model.weights;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Element types a safetensors header may name; the constant name is the header code ({@code "F32"} etc.).
 *
 * <p>Only {@link #F32}, {@link #F16} and {@link #BF16} convert to and from {@code float}; the others exist so
 * that files holding them still pass header validation and their raw bytes stay reachable. Sub-byte codes
 * ({@code F4}, {@code F6_*}) are deliberately absent: their byte size is not a whole number per element, so a
 * file using them is rejected as having an unknown dtype rather than mis-sized.
 */
public enum TensorDType {
  BOOL(1),
  U8(1),
  I8(1),
  F8_E4M3(1),
  F8_E5M2(1),
  I16(2),
  U16(2),
  F16(2),
  BF16(2),
  I32(4),
  U32(4),
  F32(4),
  I64(8),
  U64(8),
  F64(8),
  C64(8);

  private static final Map<String, TensorDType> BY_CODE =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(Enum::name, Function.identity()));

  private final int byteSize;

  TensorDType(int byteSize) {
    this.byteSize = byteSize;
  }

  /** The dtype whose header code is exactly {@code code} (case-sensitive, as the format requires). */
  public static Optional<TensorDType> fromCode(String code) {
    return Optional.ofNullable(BY_CODE.get(code));
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** Whether this package converts values of this dtype to and from {@code float} without loss on read. */
  public boolean floatConvertible() {
    return this == F32 || this == F16 || this == BF16;
  }
}
