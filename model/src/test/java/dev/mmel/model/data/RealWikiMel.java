package dev.mmel.model.data;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Real WikiMEL records for building small fixtures in tests; skips where the data is absent. */
final class RealWikiMel {
  private final Path root;
  private final JsonNode samples;
  private final JsonNode names;
  private final JsonNode abstracts;

  private RealWikiMel(Path root) throws IOException {
    ObjectMapper json = new ObjectMapper();
    this.root = root;
    this.samples = json.readTree(root.resolve("mentions.json").toFile());
    this.names = json.readTree(root.resolve("qid2name.json").toFile());
    this.abstracts = json.readTree(root.resolve("qid2abstract.json").toFile());
  }

  static Path root() {
    Path root = SharedData.root().resolve("wikimel");
    assertTrue(Files.isDirectory(root), "shared WikiMEL data not found at " + root
        + " (set -Dmmel.shared.data); these tests build their fixtures from it");
    return root;
  }

  static RealWikiMel load() throws IOException {
    return new RealWikiMel(root());
  }

  JsonNode sample(String id) {
    return samples.get(id);
  }

  List<String> mentions(String sampleId) {
    return strings(sample(sampleId).get("mentions"));
  }

  List<String> answers(String sampleId) {
    return strings(sample(sampleId).get("answer"));
  }

  String sentence(String sampleId) {
    return sample(sampleId).get("sentence").asText();
  }

  String name(String qid) {
    return names.get(qid).asText();
  }

  String abstractOf(String qid) {
    return abstracts.get(qid).asText();
  }

  /** A real mention image of the release, by sample id. */
  Path image(String sampleId) {
    return root.resolve("images").resolve(sampleId + ".jpg");
  }

  private static List<String> strings(JsonNode array) {
    return java.util.stream.StreamSupport.stream(array.spliterator(), false)
        .map(JsonNode::asText).toList();
  }
}
