package dev.mmel.model.weights;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Named tensors from one weights file of any format (safetensors, an ONNX export), so the importer
 * maps and checks them all the same way. Shapes are those of PyTorch's layout: an exporter's
 * transposed copies are turned back before they reach this view.
 */
public interface TensorSource extends AutoCloseable {
  /** The whole source (a path), for reports. */
  String description();

  /** A short name (the file name), for the lists in error messages. */
  String label();

  /** Unique tensor names. */
  List<String> names();

  long[] shape(String name);

  /** The stored element type, for messages. */
  String dtype(String name);

  /** Whether {@link #readFloats} can widen the stored type to float32 exactly. */
  boolean readsAsFloat(String name);

  /** Writes the tensor's values, row-major in {@link #shape}, into {@code dst}. */
  void readFloats(String name, FloatBuffer dst) throws IOException;

  @Override
  void close() throws IOException;
}
