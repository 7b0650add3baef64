package dev.mmel.model.tensor;

import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Copies between Java arrays and TensorFlow tensors. */
public final class TensorCodec {
  private TensorCodec() {}

  public static TInt32 ids(int[][] rows, int length) {
    TInt32 tensor = TInt32.tensorOf(Shape.of(rows.length, length));
    var data = tensor.asRawTensor().data().asInts();
    for (int i = 0; i < rows.length; i++) {
      data.offset((long) i * length).write(rows[i]);
    }
    return tensor;
  }

  /** Rows of equal length; a null row becomes zeros (a missing image). */
  public static TFloat32 rows(float[][] rows, long... itemShape) {
    long width = Shape.of(itemShape).size();
    long[] shape = new long[itemShape.length + 1];
    shape[0] = rows.length;
    System.arraycopy(itemShape, 0, shape, 1, itemShape.length);
    TFloat32 tensor = TFloat32.tensorOf(Shape.of(shape));
    FloatDataBuffer data = tensor.asRawTensor().data().asFloats();
    float[] zeros = null;
    for (int i = 0; i < rows.length; i++) {
      float[] row = rows[i];
      if (row == null) {
        zeros = zeros == null ? new float[(int) width] : zeros;
        row = zeros;
      }
      data.offset(i * width).write(row);
    }
    return tensor;
  }

  public static TFloat32 flat(float[] values, long... shape) {
    TFloat32 tensor = TFloat32.tensorOf(Shape.of(shape));
    tensor.asRawTensor().data().asFloats().write(values);
    return tensor;
  }

  public static float[] read(Tensor tensor) {
    FloatDataBuffer data = ((TFloat32) tensor).asRawTensor().data().asFloats();
    float[] values = new float[Math.toIntExact(data.size())];
    data.read(values);
    return values;
  }
}
