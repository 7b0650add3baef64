package dev.mmel.model.weights;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor's header entry: name, dtype, row-major shape and where its bytes start.
 *
 * <p>Immutable: the shape is copied on the way in and on the way out, because records hand out array
 * components by reference otherwise.
 *
 * @param name       tensor name as written in the header
 * @param dtype      element type
 * @param shape      dimensions, outermost first; empty for a scalar
 * @param dataOffset offset of the first byte relative to the start of the data section (not the file)
 */
public record TensorInfo(String name, TensorDType dtype, long[] shape, long dataOffset) {

  public TensorInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    shape = shape.clone();
    if (dataOffset < 0) {
      throw new IllegalArgumentException("tensor '" + name + "': negative data offset " + dataOffset);
    }
    // Fails early on negative dimensions and on extents that do not fit in a long, so the
    // derived accessors below never overflow.
    Math.addExact(dataOffset, Math.multiplyExact(elementCount(shape), (long) dtype.byteSize()));
  }

  /**
   * Number of elements a tensor of this shape holds (1 for a scalar).
   *
   * @throws IllegalArgumentException if a dimension is negative
   * @throws ArithmeticException      if the product does not fit in a long
   */
  public static long elementCount(long[] shape) {
    long count = 1;
    for (long dim : shape) {
      if (dim < 0) {
        throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has negative dimension " + dim);
      }
      try {
        count = Math.multiplyExact(count, dim);
      } catch (ArithmeticException e) {
        throw new ArithmeticException("shape " + Arrays.toString(shape) + " has more than 2^63 elements");
      }
    }
    return count;
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public long elementCount() {
    return elementCount(shape);
  }

  public long byteLength() {
    return elementCount() * dtype.byteSize();
  }

  /** Offset one past the last byte, relative to the start of the data section. */
  public long dataEnd() {
    return dataOffset + byteLength();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TensorInfo that
        && name.equals(that.name)
        && dtype == that.dtype
        && Arrays.equals(shape, that.shape)
        && dataOffset == that.dataOffset;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape), dataOffset);
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape) + " @" + dataOffset;
  }
}
