package dev.mmel.serving.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mmel.serving.link.NilThreshold;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The NIL threshold calibrated for a model, kept beside it as {@code nil-threshold.json}
 * (threshold, what it was calibrated on, and its precision and recall there). It is not part of
 * the model's manifest: calibrating again does not change the model's version.
 */
public final class NilThresholdFile {
  public static final String NAME = "nil-threshold.json";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private NilThresholdFile() {}

  public static Optional<NilThreshold> read(Path modelDir) throws IOException {
    Path file = modelDir.resolve(NAME);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode node = JSON.readTree(file.toFile());
    if (!node.path("threshold").isNumber()) {
      throw new IOException(file + ": field 'threshold' must be a number; calibrate again with "
          + "`mmel nil calibrate`");
    }
    return Optional.of(new NilThreshold((float) node.path("threshold").asDouble(),
        "calibrated: " + node.path("calibrated_on").asText("?")));
  }

  /** Writes atomically; {@code details} go beside the threshold (what it was measured on). */
  public static void write(Path modelDir, float threshold, String calibratedOn,
      Map<String, Object> details) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("threshold", threshold);
    json.put("calibrated_on", calibratedOn);
    json.putAll(details);
    Path temporary = modelDir.resolve(NAME + ".tmp");
    JSON.writeValue(temporary.toFile(), json);
    Files.move(temporary, modelDir.resolve(NAME), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }
}
