package dev.mmel.model.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;

/**
 * Reads and writes {@link ModelConfig} as JSON with snake_case keys. Unknown keys are rejected so
 * a typo never silently falls back to a default; missing keys name the field. The one optional
 * key is {@code preprocessing}, which configs written before it existed lack: they mean
 * {@link InputPreprocessing#UNRECORDED}. Written configs always carry it.
 */
public final class ModelConfigJson {
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ModelConfigJson() {}

  /** A preset name, or a path to a JSON file. */
  public static ModelConfig resolve(String presetOrPath) throws IOException {
    if (ModelPresets.names().contains(presetOrPath)) {
      return ModelPresets.get(presetOrPath);
    }
    Path path = Path.of(presetOrPath);
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException("--config '" + presetOrPath
          + "' is neither a preset (" + String.join(", ", ModelPresets.names())
          + ") nor a readable JSON file");
    }
    return read(path);
  }

  public static ModelConfig read(Path path) throws IOException {
    try {
      return fromJson(MAPPER.readTree(Files.readString(path, StandardCharsets.UTF_8)));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("model config " + path + " is not valid JSON: "
          + e.getOriginalMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("model config " + path + ": " + e.getMessage(), e);
    }
  }

  public static String toJson(ModelConfig config) {
    try {
      return MAPPER.writeValueAsString(toTree(config));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static ObjectNode toTree(ModelConfig config) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("name", config.name());
    ObjectNode text = root.putObject("text");
    text.put("vocab_size", config.text().vocabSize());
    text.put("width", config.text().width());
    text.put("layers", config.text().layers());
    text.put("heads", config.text().heads());
    text.put("intermediate_size", config.text().intermediateSize());
    text.put("max_positions", config.text().maxPositions());
    text.put("activation", config.text().activation().id());
    ObjectNode vision = root.putObject("vision");
    vision.put("image_size", config.vision().imageSize());
    vision.put("patch_size", config.vision().patchSize());
    vision.put("width", config.vision().width());
    vision.put("layers", config.vision().layers());
    vision.put("heads", config.vision().heads());
    vision.put("intermediate_size", config.vision().intermediateSize());
    vision.put("activation", config.vision().activation().id());
    root.put("projection_dim", config.projectionDim());
    root.put("context_length", config.contextLength());
    root.put("layer_norm_eps", config.layerNormEps());
    ObjectNode matcher = root.putObject("matcher");
    matcher.put("hidden_dim", config.matcher().hiddenDim());
    matcher.put("experts", config.matcher().experts());
    matcher.put("top_k", config.matcher().topK());
    matcher.put("gate_mode", config.matcher().gateMode().id());
    matcher.put("frozen_mean_batch", config.matcher().frozenMeanBatch());
    ObjectNode preprocessing = root.putObject("preprocessing");
    preprocessing.put("image", config.preprocessing().image().id());
    preprocessing.put("text", config.preprocessing().text().id());
    return root;
  }

  public static ModelConfig fromJson(JsonNode root) {
    Fields top = new Fields("", root, Set.of("name", "text", "vision", "projection_dim",
        "context_length", "layer_norm_eps", "matcher", "preprocessing"));
    Fields text = top.object("text", Set.of("vocab_size", "width", "layers", "heads",
        "intermediate_size", "max_positions", "activation"));
    Fields vision = top.object("vision", Set.of("image_size", "patch_size", "width", "layers",
        "heads", "intermediate_size", "activation"));
    Fields matcher = top.object("matcher", Set.of("hidden_dim", "experts", "top_k", "gate_mode",
        "frozen_mean_batch"));
    return new ModelConfig(
        top.string("name"),
        new ClipTextConfig(text.integer("vocab_size"), text.integer("width"),
            text.integer("layers"), text.integer("heads"), text.integer("intermediate_size"),
            text.integer("max_positions"), Activation.parse(text.string("activation"))),
        new ClipVisionConfig(vision.integer("image_size"), vision.integer("patch_size"),
            vision.integer("width"), vision.integer("layers"), vision.integer("heads"),
            vision.integer("intermediate_size"), Activation.parse(vision.string("activation"))),
        top.integer("projection_dim"),
        top.integer("context_length"),
        top.number("layer_norm_eps"),
        new MatcherConfig(matcher.integer("hidden_dim"), matcher.integer("experts"),
            matcher.integer("top_k"), GateMode.parse(matcher.string("gate_mode")),
            matcher.integer("frozen_mean_batch")),
        preprocessing(top));
  }

  private static InputPreprocessing preprocessing(Fields top) {
    if (!top.has("preprocessing")) {
      return InputPreprocessing.UNRECORDED;
    }
    Fields preprocessing = top.object("preprocessing", Set.of("image", "text"));
    return new InputPreprocessing(ImagePreprocessing.parse(preprocessing.string("image")),
        TextNormalization.parse(preprocessing.string("text")));
  }

  /** One JSON object with the set of keys it may hold. */
  private record Fields(String path, JsonNode node, Set<String> allowed) {
    Fields {
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException(
            (path.isEmpty() ? "config" : path.substring(0, path.length() - 1))
                + " must be a JSON object");
      }
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!allowed.contains(key)) {
          throw new IllegalArgumentException("unknown field '" + path + key + "'; allowed: "
              + String.join(", ", allowed.stream().sorted().toList()));
        }
      }
    }

    boolean has(String key) {
      return node.hasNonNull(key);
    }

    private JsonNode required(String key) {
      JsonNode value = node.get(key);
      if (value == null || value.isNull()) {
        throw new IllegalArgumentException("missing field '" + path + key + "'");
      }
      return value;
    }

    Fields object(String key, Set<String> keys) {
      return new Fields(path + key + ".", required(key), keys);
    }

    String string(String key) {
      JsonNode value = required(key);
      if (!value.isTextual()) {
        throw new IllegalArgumentException("field '" + path + key + "' must be a string");
      }
      return value.asText();
    }

    int integer(String key) {
      JsonNode value = required(key);
      if (!value.canConvertToInt() || !value.isIntegralNumber()) {
        throw new IllegalArgumentException("field '" + path + key + "' must be an integer");
      }
      return value.asInt();
    }

    double number(String key) {
      JsonNode value = required(key);
      if (!value.isNumber()) {
        throw new IllegalArgumentException("field '" + path + key + "' must be a number");
      }
      return value.asDouble();
    }
  }
}
