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
    writeText(root.putObject("text"), config.text());
    if (config.vision() == null) {
      root.putNull("vision");
    } else {
      ObjectNode vision = root.putObject("vision");
      vision.put("image_size", config.vision().imageSize());
      vision.put("patch_size", config.vision().patchSize());
      vision.put("width", config.vision().width());
      vision.put("layers", config.vision().layers());
      vision.put("heads", config.vision().heads());
      vision.put("intermediate_size", config.vision().intermediateSize());
      vision.put("activation", config.vision().activation().id());
    }
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

  private static void writeText(ObjectNode text, TextTowerConfig config) {
    text.put("kind", config.kind().id());
    text.put("tokenizer", config.tokenizer().id());
    text.put("vocab_size", config.vocabSize());
    text.put("width", config.width());
    text.put("layers", config.layers());
    text.put("heads", config.heads());
    text.put("intermediate_size", config.intermediateSize());
    text.put("max_positions", config.maxPositions());
    text.put("activation", config.activation().id());
    if (config instanceof BertTextConfig bert) {
      text.put("type_vocab_size", bert.typeVocabSize());
      text.put("layer_norm_eps", bert.layerNormEps());
    }
  }

  public static ModelConfig fromJson(JsonNode root) {
    Fields top = new Fields("", root, Set.of("name", "text", "vision", "projection_dim",
        "context_length", "layer_norm_eps", "matcher", "preprocessing"));
    Fields matcher = top.object("matcher", Set.of("hidden_dim", "experts", "top_k", "gate_mode",
        "frozen_mean_batch"));
    return new ModelConfig(
        top.string("name"),
        readText(top),
        readVision(top),
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

  /**
   * {@code text.kind} picks the architecture and the keys allowed beside it. It may be absent only
   * in configs written before there was a choice, which are all CLIP. {@code text.tokenizer} is
   * written so loaders need not know the kinds, and must name the kind's own tokenizer.
   */
  private static TextTowerConfig readText(Fields top) {
    JsonNode kindNode = top.node().path("text").path("kind");
    if (!kindNode.isMissingNode() && !kindNode.isTextual()) {
      throw new IllegalArgumentException("field 'text.kind' must be a string");
    }
    TextTowerKind kind =
        kindNode.isMissingNode() ? TextTowerKind.CLIP : TextTowerKind.parse(kindNode.asText());
    Set<String> keys = new java.util.HashSet<>(Set.of("kind", "tokenizer", "vocab_size", "width",
        "layers", "heads", "intermediate_size", "max_positions", "activation"));
    if (kind == TextTowerKind.BERT) {
      keys.addAll(Set.of("type_vocab_size", "layer_norm_eps"));
    }
    Fields text = top.object("text", keys);
    if (text.node().has("tokenizer")) {
      TokenizerKind tokenizer = TokenizerKind.parse(text.string("tokenizer"));
      if (tokenizer != kind.tokenizer()) {
        throw new IllegalArgumentException("text.tokenizer must be '" + kind.tokenizer().id()
            + "' for text.kind '" + kind.id() + "' (its graph reads that tokenizer's ids), got '"
            + tokenizer.id() + "'");
      }
    }
    Activation activation = Activation.parse(text.string("activation"));
    return switch (kind) {
      case CLIP -> new ClipTextConfig(text.integer("vocab_size"), text.integer("width"),
          text.integer("layers"), text.integer("heads"), text.integer("intermediate_size"),
          text.integer("max_positions"), activation);
      case BERT -> new BertTextConfig(text.integer("vocab_size"), text.integer("width"),
          text.integer("layers"), text.integer("heads"), text.integer("intermediate_size"),
          text.integer("max_positions"), text.integer("type_vocab_size"), activation,
          text.number("layer_norm_eps"));
    };
  }

  /** {@code "vision": null} is a text-only model; the key itself must be there. */
  private static ClipVisionConfig readVision(Fields top) {
    if (!top.node().has("vision")) {
      throw new IllegalArgumentException("missing field 'vision' (an object, or null for a "
          + "text-only model)");
    }
    if (top.node().get("vision").isNull()) {
      return null;
    }
    Fields vision = top.object("vision", Set.of("image_size", "patch_size", "width", "layers",
        "heads", "intermediate_size", "activation"));
    return new ClipVisionConfig(vision.integer("image_size"), vision.integer("patch_size"),
        vision.integer("width"), vision.integer("layers"), vision.integer("heads"),
        vision.integer("intermediate_size"), Activation.parse(vision.string("activation")));
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
