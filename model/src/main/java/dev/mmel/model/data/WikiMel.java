package dev.mmel.model.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared WikiMEL files: MELBench samples (one sentence, possibly several mentions), the
 * 18,880-entity GHMFC knowledge base (QID -> name, QID -> attribute abstract), the splits, and
 * the few mention images that exist here.
 */
public final class WikiMel {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One labelled mention. {@code imagePath} is null when the sample has no image here. */
  public record Mention(String sampleId, String surface, String sentence, String goldQid,
      Path imagePath) {}

  private final Path root;
  private final Map<String, String> names;
  private final Map<String, String> abstracts;
  private final JsonNode samples;
  private final JsonNode splits;

  private WikiMel(Path root, Map<String, String> names, Map<String, String> abstracts,
      JsonNode samples, JsonNode splits) {
    this.root = root;
    this.names = names;
    this.abstracts = abstracts;
    this.samples = samples;
    this.splits = splits;
  }

  public static WikiMel load(Path root) throws IOException {
    return new WikiMel(root, readStrings(root.resolve("qid2name.json")),
        readStrings(root.resolve("qid2abstract.json")),
        readJson(root.resolve("mentions.json")), readJson(root.resolve("splits.json")));
  }

  public Map<String, String> names() {
    return names;
  }

  public String name(String qid) {
    return names.get(qid);
  }

  public String abstractOf(String qid) {
    return abstracts.getOrDefault(qid, "");
  }

  /** The mentions of a split ("train", "dev", "test"), skipping answers not in the KB. */
  public List<Mention> mentions(String split) {
    JsonNode ids = splits.get(split);
    if (ids == null || !ids.isArray()) {
      throw new IllegalArgumentException(root.resolve("splits.json") + " has no split '" + split
          + "'; use train, dev or test");
    }
    List<Mention> mentions = new ArrayList<>();
    for (JsonNode id : ids) {
      JsonNode sample = samples.get(id.asText());
      if (sample == null) {
        continue;
      }
      Path image = root.resolve("images").resolve(id.asText() + ".jpg");
      JsonNode surfaces = sample.path("mentions");
      JsonNode answers = sample.path("answer");
      for (int i = 0; i < surfaces.size() && i < answers.size(); i++) {
        String qid = answers.get(i).asText();
        if (names.containsKey(qid)) {
          mentions.add(new Mention(id.asText(), surfaces.get(i).asText(),
              sample.path("sentence").asText(), qid, Files.isRegularFile(image) ? image : null));
        }
      }
    }
    return mentions;
  }

  private static JsonNode readJson(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new java.nio.file.NoSuchFileException(file.toString(), null,
          "WikiMEL file missing (expected the shared data folder beside the repository)");
    }
    return JSON.readTree(file.toFile());
  }

  private static Map<String, String> readStrings(Path file) throws IOException {
    Map<String, String> map = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = readJson(file).fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      map.put(entry.getKey(), entry.getValue().asText());
    }
    return map;
  }
}
