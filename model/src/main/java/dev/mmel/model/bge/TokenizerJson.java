package dev.mmel.model.bge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a Hugging Face tokenizer.json of the BERT-uncased kind and checks that it asks for exactly
 * what {@link BgeTokenizer} implements, so that a different file fails loudly instead of
 * tokenizing differently.
 */
final class TokenizerJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String source;
  private final JsonNode root;

  private TokenizerJson(String source, JsonNode root) {
    this.source = source;
    this.root = root;
  }

  static BgeTokenizer parse(byte[] json, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + ": not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(source + ": expected a JSON object");
    }
    return new TokenizerJson(source, root).build();
  }

  private BgeTokenizer build() {
    require("normalizer.type", "BertNormalizer");
    requireFlag("normalizer.clean_text", true);
    requireFlag("normalizer.handle_chinese_chars", true);
    requireFlag("normalizer.lowercase", true);
    JsonNode strip = at("normalizer.strip_accents");
    if (!strip.isNull() && !(strip.isBoolean() && strip.asBoolean())) {
      throw invalid("normalizer.strip_accents", "null or true", strip);
    }
    require("pre_tokenizer.type", "BertPreTokenizer");
    require("model.type", "WordPiece");
    require("post_processor.type", "TemplateProcessing");

    Map<String, Integer> vocab = vocab();
    Map<String, Integer> specials = specialTokens();
    String unknown = text("model.unk_token");
    int maxWordChars = at("model.max_input_chars_per_word").asInt(-1);
    if (maxWordChars < 1) {
      throw invalid("model.max_input_chars_per_word", "a positive integer", at("model.max_input_chars_per_word"));
    }
    WordPiece wordPiece = new WordPiece(vocab, text("model.continuing_subword_prefix"),
        idOf(vocab, unknown, "model.unk_token"), maxWordChars);
    int cls = templateId("[CLS]", vocab);
    int sep = templateId("[SEP]", vocab);
    int pad = idOf(vocab, "[PAD]", "vocab [PAD]");
    return new BgeTokenizer(wordPiece, specials, cls, sep, pad);
  }

  private Map<String, Integer> vocab() {
    JsonNode node = at("model.vocab");
    if (!node.isObject() || node.size() == 0) {
      throw invalid("model.vocab", "a non-empty object of token -> id", node);
    }
    Map<String, Integer> vocab = new HashMap<>(node.size() * 2);
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (!entry.getValue().canConvertToInt() || entry.getValue().asInt() < 0) {
        throw invalid("model.vocab." + entry.getKey(), "a non-negative integer id", entry.getValue());
      }
      vocab.put(entry.getKey(), entry.getValue().asInt());
    }
    return vocab;
  }

  /** Added tokens, matched literally in the raw text before normalization (normalized: false). */
  private Map<String, Integer> specialTokens() {
    JsonNode added = at("added_tokens");
    if (!added.isArray()) {
      throw invalid("added_tokens", "an array", added);
    }
    Map<String, Integer> specials = new LinkedHashMap<>();
    for (int i = 0; i < added.size(); i++) {
      JsonNode token = added.get(i);
      String field = "added_tokens[" + i + "]";
      boolean plain = token.path("special").asBoolean(false) && !token.path("normalized").asBoolean(true)
          && !token.path("lstrip").asBoolean(true) && !token.path("rstrip").asBoolean(true)
          && !token.path("single_word").asBoolean(true);
      if (!plain || !token.path("content").isTextual() || token.path("content").asText().isEmpty()
          || !token.path("id").canConvertToInt()) {
        throw invalid(field, "a special token with content and id, normalized, lstrip, rstrip and "
            + "single_word all false", token);
      }
      specials.put(token.get("content").asText(), token.get("id").asInt());
    }
    return specials;
  }

  private int templateId(String token, Map<String, Integer> vocab) {
    String field = "post_processor.special_tokens." + token + ".ids";
    JsonNode ids = at(field);
    if (!ids.isArray() || ids.size() != 1 || ids.get(0).asInt(-1) != idOf(vocab, token, field)) {
      throw invalid(field, "[" + vocab.get(token) + "], the vocabulary id of " + token, ids);
    }
    JsonNode single = at("post_processor.single");
    String expected = "[{\"SpecialToken\":{\"id\":\"[CLS]\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\","
        + "\"type_id\":0}},{\"SpecialToken\":{\"id\":\"[SEP]\",\"type_id\":0}}]";
    if (!single.toString().equals(expected)) {
      throw invalid("post_processor.single", expected, single);
    }
    return ids.get(0).asInt();
  }

  private int idOf(Map<String, Integer> vocab, String token, String field) {
    Integer id = vocab.get(token);
    if (id == null) {
      throw new IllegalArgumentException(source + ": " + field + " names token " + token
          + ", which is not in model.vocab");
    }
    return id;
  }

  private JsonNode at(String dottedPath) {
    return root.at("/" + dottedPath.replace('.', '/'));
  }

  private String text(String field) {
    JsonNode node = at(field);
    if (!node.isTextual()) {
      throw invalid(field, "a string", node);
    }
    return node.asText();
  }

  private void require(String field, String value) {
    if (!value.equals(at(field).asText(null))) {
      throw invalid(field, "\"" + value + "\"", at(field));
    }
  }

  private void requireFlag(String field, boolean value) {
    JsonNode node = at(field);
    if (!node.isBoolean() || node.asBoolean() != value) {
      throw invalid(field, String.valueOf(value), node);
    }
  }

  private IllegalArgumentException invalid(String field, String expected, JsonNode actual) {
    String shown = actual.isMissingNode() ? "missing" : actual.toString();
    if (shown.length() > 200) {
      shown = shown.substring(0, 200) + "...";
    }
    return new IllegalArgumentException(source + ": field " + field + " must be " + expected
        + ", found " + shown);
  }
}
