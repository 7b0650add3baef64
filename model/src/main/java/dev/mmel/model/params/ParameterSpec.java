package dev.mmel.model.params;

import java.util.Arrays;

/** One named tensor of the model: canonical name, shape, group, and random initialiser. */
public record ParameterSpec(String name, long[] shape, ParameterGroup group, Initializer init) {

  public ParameterSpec {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  public long size() {
    long size = 1;
    for (long dim : shape) {
      size *= dim;
    }
    return size;
  }

  public String shapeText() {
    return Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ParameterSpec that && name.equals(that.name)
        && Arrays.equals(shape, that.shape) && group == that.group && init.equals(that.init);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + shapeText();
  }
}
