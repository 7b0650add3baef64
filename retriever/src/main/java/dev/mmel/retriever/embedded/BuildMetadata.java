package dev.mmel.retriever.embedded;

import dev.mmel.core.IndexSchema;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * What a build was created for: the encoder's model version and the schema of what it stores. Kept
 * beside the Lucene index, not in Lucene's commit data, so that it exists from the moment the
 * build does and a reopen can be refused before Lucene touches anything.
 */
record BuildMetadata(String modelVersion, IndexSchema schema) {
  static final String FILE_NAME = "build.properties";

  private static final String MODEL_VERSION = "model_version";
  private static final String RETRIEVAL_DIM = "retrieval_dim";
  private static final String HIDDEN_DIM = "hidden_dim";
  private static final String TEXT_POSITIONS = "text_positions";
  private static final String IMAGE_POSITIONS = "image_positions";

  void write(Path buildDir) throws IOException {
    Properties properties = new Properties();
    properties.setProperty(MODEL_VERSION, modelVersion);
    properties.setProperty(RETRIEVAL_DIM, Integer.toString(schema.retrievalDim()));
    properties.setProperty(HIDDEN_DIM, Integer.toString(schema.hiddenDim()));
    properties.setProperty(TEXT_POSITIONS, Integer.toString(schema.textPositions()));
    properties.setProperty(IMAGE_POSITIONS, Integer.toString(schema.imagePositions()));
    StringWriter text = new StringWriter();
    properties.store(text, "mmel embedded entity index build");
    AtomicFiles.write(buildDir.resolve(FILE_NAME),
        text.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The metadata of the build in {@code buildDir}, or empty if none was written there. */
  static Optional<BuildMetadata> read(Path buildDir) throws IOException {
    Path file = buildDir.resolve(FILE_NAME);
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try {
      IndexSchema schema = new IndexSchema(intValue(properties, RETRIEVAL_DIM),
          intValue(properties, HIDDEN_DIM), intValue(properties, TEXT_POSITIONS),
          intValue(properties, IMAGE_POSITIONS));
      return Optional.of(new BuildMetadata(required(properties, MODEL_VERSION), schema));
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(file + " is damaged: " + e.getMessage(), e);
    }
  }

  private static int intValue(Properties properties, String key) {
    String value = required(properties, key);
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " is '" + value + "', not a whole number", e);
    }
  }

  private static String required(Properties properties, String key) {
    String value = properties.getProperty(key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(key + " is missing");
    }
    return value;
  }
}
