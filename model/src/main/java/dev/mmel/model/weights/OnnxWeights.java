package dev.mmel.model.weights;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The initializers of an ONNX export of a PyTorch model, under the PyTorch names and layouts.
 *
 * <p>PyTorch's exporter keeps a module's name on what it passes through unchanged (biases,
 * embeddings, LayerNorms) but folds each Linear's transpose into a new constant with a generated
 * name ({@code onnx::MatMul_1525}, stored [in, out]) that feeds a MatMul. Such a weight is named
 * by following the graph: the MatMul's output goes to an Add whose other input is the Linear's
 * bias, {@code X.bias}, so the weight is {@code X.weight}; it is served transposed back to
 * [out, in]. An initializer that cannot be named this way keeps its generated name, so the
 * importer lists it as unexpected instead of guessing.
 */
public final class OnnxWeights implements TensorSource {
  private final Path source;
  private final Map<String, Entry> tensors;

  /** {@code transposed}: a MatMul weight stored [in, out], served as [out, in]. */
  private record Entry(OnnxProto.Tensor tensor, boolean transposed) {
    long[] shape() {
      long[] dims = tensor.dims();
      return transposed ? new long[] {dims[1], dims[0]} : dims.clone();
    }
  }

  private OnnxWeights(Path source, Map<String, Entry> tensors) {
    this.source = source;
    this.tensors = tensors;
  }

  public static OnnxWeights open(Path file) throws IOException {
    return read(file, Files.readAllBytes(file));
  }

  /** @param source where {@code model} came from, for messages (a file, or a classpath name) */
  public static OnnxWeights read(Path source, byte[] model) throws InvalidWeightsException {
    OnnxProto.Graph graph = OnnxProto.parse(model, source);
    Map<String, List<OnnxProto.Node>> consumers = new HashMap<>();
    for (OnnxProto.Node node : graph.nodes()) {
      for (String input : node.inputs()) {
        consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(node);
      }
    }
    Map<String, OnnxProto.Tensor> initializers = new HashMap<>();
    graph.initializers().forEach(t -> initializers.put(t.name(), t));
    Map<String, Entry> named = new LinkedHashMap<>();
    Map<String, String> namedFrom = new HashMap<>();
    for (OnnxProto.Tensor tensor : graph.initializers()) {
      boolean matMulWeight = isMatMulWeight(tensor, consumers);
      String name = matMulWeight ? linearName(tensor, consumers, initializers) : tensor.name();
      String previous = namedFrom.put(name, tensor.name());
      if (previous != null) {
        throw new InvalidWeightsException(source, "initializers '" + previous + "' and '"
            + tensor.name() + "' both resolve to the weight '" + name + "'");
      }
      named.put(name, new Entry(tensor, matMulWeight));
    }
    return new OnnxWeights(source, named);
  }

  /** Used only as the second operand of MatMul nodes: x [.., in] times this [in, out]. */
  private static boolean isMatMulWeight(OnnxProto.Tensor tensor,
      Map<String, List<OnnxProto.Node>> consumers) {
    List<OnnxProto.Node> users = consumers.getOrDefault(tensor.name(), List.of());
    return tensor.dims().length == 2 && !users.isEmpty() && users.stream().allMatch(
        node -> node.opType().equals("MatMul") && node.inputs().size() == 2
            && node.inputs().get(1).equals(tensor.name())
            && !node.inputs().get(0).equals(tensor.name()));
  }

  /** {@code X.weight} when every MatMul using it is followed by an Add of the same X.bias. */
  private static String linearName(OnnxProto.Tensor weight,
      Map<String, List<OnnxProto.Node>> consumers, Map<String, OnnxProto.Tensor> initializers) {
    String prefix = null;
    for (OnnxProto.Node matMul : consumers.get(weight.name())) {
      String bias = null;
      for (OnnxProto.Node next : consumers.getOrDefault(matMul.outputs().get(0), List.of())) {
        if (next.opType().equals("Add") && next.inputs().size() == 2) {
          String other = next.inputs().get(0).equals(matMul.outputs().get(0))
              ? next.inputs().get(1) : next.inputs().get(0);
          OnnxProto.Tensor candidate = initializers.get(other);
          if (candidate != null && other.endsWith(".bias") && candidate.dims().length == 1
              && candidate.dims()[0] == weight.dims()[1]) {
            bias = other;
          }
        }
      }
      String found = bias == null ? null : bias.substring(0, bias.length() - ".bias".length());
      if (found == null || (prefix != null && !prefix.equals(found))) {
        return weight.name();
      }
      prefix = found;
    }
    return prefix + ".weight";
  }

  @Override
  public String description() {
    return source.toString();
  }

  @Override
  public String label() {
    return String.valueOf(source.getFileName());
  }

  @Override
  public List<String> names() {
    return List.copyOf(tensors.keySet());
  }

  @Override
  public long[] shape(String name) {
    return entry(name).shape();
  }

  @Override
  public String dtype(String name) {
    OnnxProto.Tensor tensor = entry(name).tensor();
    if (tensor.external()) {
      return "external data";
    }
    return tensor.dataType() == OnnxProto.FLOAT ? "FLOAT" : "ONNX data_type " + tensor.dataType();
  }

  @Override
  public boolean readsAsFloat(String name) {
    OnnxProto.Tensor tensor = entry(name).tensor();
    return tensor.dataType() == OnnxProto.FLOAT && !tensor.external();
  }

  @Override
  public void readFloats(String name, FloatBuffer dst) throws IOException {
    Entry entry = entry(name);
    OnnxProto.Tensor tensor = entry.tensor();
    if (!readsAsFloat(name)) {
      throw new InvalidWeightsException(source, "initializer '" + tensor.name() + "' is "
          + dtype(name) + ", not float32 in the file");
    }
    int count = Math.toIntExact(tensor.elementCount());
    if (dst.remaining() < count) {
      throw new IllegalArgumentException(source + ": tensor '" + name + "' has " + count
          + " elements but the destination has room for " + dst.remaining());
    }
    float[] stored = new float[count];
    if (tensor.rawData() != null) {
      tensor.rawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
          .get(stored);
    } else {
      System.arraycopy(tensor.floatData(), 0, stored, 0, count);
    }
    if (!entry.transposed()) {
      dst.put(stored);
      return;
    }
    int rows = (int) tensor.dims()[0];
    int columns = (int) tensor.dims()[1];
    for (int c = 0; c < columns; c++) {
      for (int r = 0; r < rows; r++) {
        dst.put(stored[r * columns + c]);
      }
    }
  }

  private Entry entry(String name) {
    Entry entry = tensors.get(name);
    if (entry == null) {
      throw new java.util.NoSuchElementException(source + ": no tensor named '" + name + "'");
    }
    return entry;
  }

  /** Nothing to release: the model bytes are on the heap. */
  @Override
  public void close() {}
}
