package dev.mmel.model.weights;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The parts of an ONNX model file (a serialized {@code onnx.ModelProto}) that hold and use
 * weights: the graph's nodes and initializers. Read field by field with protobuf's wire format
 * (field numbers from onnx.proto: ModelProto.graph 7; GraphProto.node 1, initializer 5,
 * sparse_initializer 15; NodeProto input 1, output 2, op_type 4; TensorProto dims 1, data_type 2,
 * float_data 4, name 8, raw_data 9, data_location 14), so no generated classes are needed.
 * Tensor bytes are not copied: they stay slices of the model's byte array.
 */
final class OnnxProto {
  /** ONNX TensorProto.DataType FLOAT. */
  static final int FLOAT = 1;
  private static final int EXTERNAL = 1;

  record Node(String opType, List<String> inputs, List<String> outputs) {}

  /** One initializer; its values are in {@code rawData} (little-endian) or {@code floatData}. */
  record Tensor(String name, long[] dims, int dataType, ByteString rawData, float[] floatData,
      boolean external) {
    long elementCount() {
      long count = 1;
      for (long dim : dims) {
        count *= dim;
      }
      return count;
    }
  }

  record Graph(List<Node> nodes, List<Tensor> initializers) {}

  private OnnxProto() {}

  static Graph parse(byte[] model, Path source) throws InvalidWeightsException {
    try {
      ByteString graph = null;
      CodedInputStream in = CodedInputStream.newInstance(model);
      in.enableAliasing(true);
      in.setSizeLimit(Integer.MAX_VALUE);
      for (int tag; (tag = in.readTag()) != 0; ) {
        if (WireFormat.getTagFieldNumber(tag) == 7) {
          graph = in.readBytes();
        } else {
          in.skipField(tag);
        }
      }
      if (graph == null) {
        throw new InvalidWeightsException(source, "not an ONNX model: it has no graph (field 7)");
      }
      return graph(graph, source);
    } catch (InvalidWeightsException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new InvalidWeightsException(source, "not a valid ONNX model: " + e.getMessage(), e);
    }
  }

  private static Graph graph(ByteString bytes, Path source) throws IOException {
    List<Node> nodes = new ArrayList<>();
    List<Tensor> initializers = new ArrayList<>();
    CodedInputStream in = stream(bytes);
    for (int tag; (tag = in.readTag()) != 0; ) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> nodes.add(node(in.readBytes()));
        case 5 -> initializers.add(tensor(in.readBytes(), source));
        case 15 -> throw new InvalidWeightsException(source, "the graph has sparse initializers, "
            + "which this importer does not read; export the model with dense weights");
        default -> in.skipField(tag);
      }
    }
    return new Graph(nodes, initializers);
  }

  private static Node node(ByteString bytes) throws IOException {
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    String opType = "";
    CodedInputStream in = stream(bytes);
    for (int tag; (tag = in.readTag()) != 0; ) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> inputs.add(in.readStringRequireUtf8());
        case 2 -> outputs.add(in.readStringRequireUtf8());
        case 4 -> opType = in.readStringRequireUtf8();
        default -> in.skipField(tag);
      }
    }
    return new Node(opType, inputs, outputs);
  }

  private static Tensor tensor(ByteString bytes, Path source) throws IOException {
    List<Long> dims = new ArrayList<>();
    List<Float> floats = new ArrayList<>();
    int dataType = 0;
    String name = null;
    ByteString raw = null;
    boolean external = false;
    CodedInputStream in = stream(bytes);
    for (int tag; (tag = in.readTag()) != 0; ) {
      boolean packed = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> {
          if (packed) {
            int limit = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
              dims.add(in.readInt64());
            }
            in.popLimit(limit);
          } else {
            dims.add(in.readInt64());
          }
        }
        case 2 -> dataType = in.readInt32();
        case 4 -> {
          if (packed) {
            int limit = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
              floats.add(in.readFloat());
            }
            in.popLimit(limit);
          } else {
            floats.add(in.readFloat());
          }
        }
        case 8 -> name = in.readStringRequireUtf8();
        case 9 -> raw = in.readBytes();
        case 14 -> external = in.readInt32() == EXTERNAL;
        default -> in.skipField(tag);
      }
    }
    if (name == null || name.isEmpty()) {
      throw new InvalidWeightsException(source, "an initializer has no name");
    }
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    if (Arrays.stream(shape).anyMatch(dim -> dim < 0)) {
      throw new InvalidWeightsException(source, "initializer '" + name + "' has a negative "
          + "dimension " + Arrays.toString(shape));
    }
    float[] floatData = new float[floats.size()];
    for (int i = 0; i < floatData.length; i++) {
      floatData[i] = floats.get(i);
    }
    Tensor tensor = new Tensor(name, shape, dataType, raw, floatData, external);
    if (dataType == FLOAT && !external) {
      long stored = raw != null ? raw.size() / Float.BYTES : floatData.length;
      if ((raw != null && raw.size() % Float.BYTES != 0) || stored != tensor.elementCount()) {
        throw new InvalidWeightsException(source, "initializer '" + name + "' of shape "
            + Arrays.toString(shape) + " needs " + tensor.elementCount() + " floats, holds "
            + (raw != null ? raw.size() + " bytes" : floatData.length + " floats"));
      }
    }
    return tensor;
  }

  private static CodedInputStream stream(ByteString bytes) {
    CodedInputStream in = bytes.newCodedInput();
    in.enableAliasing(true);
    in.setSizeLimit(Integer.MAX_VALUE);
    return in;
  }
}
