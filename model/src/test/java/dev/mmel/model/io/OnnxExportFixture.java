package dev.mmel.model.io;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.params.ParameterGroup;
import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterNames;
import dev.mmel.model.params.ParameterSpec;
import dev.mmel.model.weights.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A BERT tower's weights written as PyTorch's ONNX exporter writes them: biases, embeddings and
 * LayerNorms under their Hugging Face names; each Linear's weight transposed to [in, out] under a
 * generated name {@code onnx::MatMul_N}, feeding a MatMul whose output an Add joins with the
 * bias. Tests edit {@link #initializers} and {@link #nodes} to break it in chosen ways.
 */
final class OnnxExportFixture {
  /** ONNX TensorProto.DataType values used here. */
  static final int FLOAT = 1;
  static final int FLOAT16 = 10;

  /** {@code floatData}: store values in float_data instead of raw_data. */
  record Initializer(String name, long[] dims, float[] values, int dataType, boolean floatData) {}

  record Node(String opType, List<String> inputs, List<String> outputs) {}

  final List<Initializer> initializers = new ArrayList<>();
  final List<Node> nodes = new ArrayList<>();

  /** The BERT backbone of a model directory, exported; LayerNorms go in float_data. */
  static OnnxExportFixture of(Path modelDir, ModelConfig config) throws IOException {
    OnnxExportFixture fixture = new OnnxExportFixture();
    int generated = 1000;
    try (SafetensorsFile weights = SafetensorsFile.open(modelDir.resolve("weights.safetensors"))) {
      ParameterLayout layout = ParameterLayout.of(config);
      for (ParameterSpec spec : layout.specs()) {
        if (spec.group() != ParameterGroup.BACKBONE) {
          continue;
        }
        String name = spec.name().substring(ParameterNames.BERT.length());
        float[] values = weights.readFloats(spec.name());
        String linear = name.substring(0, name.length() - ".weight".length());
        if (name.endsWith(".weight") && layout.contains(ParameterNames.BERT + linear + ".bias")
            && spec.shape().length == 2 && !name.startsWith("embeddings.")) {
          String generatedName = "onnx::MatMul_" + generated++;
          long out = spec.shape()[0];
          long in = spec.shape()[1];
          fixture.initializers.add(new Initializer(generatedName, new long[] {in, out},
              transpose(values, (int) out, (int) in), FLOAT, false));
          String product = "/" + linear + "/MatMul_output_0";
          fixture.nodes.add(new Node("MatMul", List.of("/" + linear + "/input", generatedName),
              List.of(product)));
          fixture.nodes.add(new Node("Add", List.of(linear + ".bias", product),
              List.of("/" + linear + "/Add_output_0")));
        } else {
          fixture.initializers.add(new Initializer(name, spec.shape(), values, FLOAT,
              name.contains("LayerNorm")));
          fixture.nodes.add(new Node(name.contains("embeddings.") && !name.contains("LayerNorm")
              ? "Gather" : "Mul", List.of(name, "/x"), List.of("/" + name + "/output_0")));
        }
      }
    }
    return fixture;
  }

  Initializer remove(String name) {
    Initializer found = initializers.stream().filter(i -> i.name().equals(name)).findFirst()
        .orElseThrow();
    initializers.remove(found);
    return found;
  }

  /** The serialized ModelProto. */
  byte[] bytes() {
    ByteString graph = message(out -> {
      for (Node node : nodes) {
        out.writeBytes(1, message(n -> {
          for (String input : node.inputs()) {
            n.writeString(1, input);
          }
          for (String output : node.outputs()) {
            n.writeString(2, output);
          }
          n.writeString(4, node.opType());
        }));
      }
      for (Initializer init : initializers) {
        out.writeBytes(5, message(t -> {
          for (long dim : init.dims()) {
            t.writeInt64(1, dim);
          }
          t.writeInt32(2, init.dataType());
          t.writeString(8, init.name());
          if (init.floatData()) {
            t.writeTag(4, 2);
            t.writeUInt32NoTag(init.values().length * Float.BYTES);
            for (float value : init.values()) {
              t.writeFloatNoTag(value);
            }
          } else {
            ByteBuffer raw = ByteBuffer.allocate(init.values().length * Float.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
            for (float value : init.values()) {
              raw.putFloat(value);
            }
            t.writeBytes(9, ByteString.copyFrom(raw.array()));
          }
        }));
      }
    });
    return message(model -> {
      model.writeInt64(1, 8);
      model.writeString(2, "pytorch");
      model.writeBytes(7, graph);
    }).toByteArray();
  }

  private interface Body {
    void write(CodedOutputStream out) throws IOException;
  }

  private static ByteString message(Body body) {
    try {
      ByteString.Output bytes = ByteString.newOutput();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      body.write(out);
      out.flush();
      return bytes.toByteString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static float[] transpose(float[] values, int rows, int columns) {
    float[] out = new float[values.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        out[c * rows + r] = values[r * columns + c];
      }
    }
    return out;
  }
}
