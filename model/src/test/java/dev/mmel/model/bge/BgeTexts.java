package dev.mmel.model.bge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.data.WikiMel;
import dev.mmel.model.text.LinkingTexts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assertions;

/** Real WikiMEL texts for the bge tests, from the shared data folder (failing with what to do when it is absent). */
final class BgeTexts {
  private BgeTexts() {}

  static Path wikimel() {
    Path root = SharedData.root().resolve("wikimel");
    Assertions.assertTrue(Files.isRegularFile(root.resolve("mentions.json")),
        "missing shared data " + root + " (set -Dmmel.shared.data to the shared/data folder)");
    return root;
  }

  /** Every sample's sentence and each of its mentions, in file order. */
  static List<String> sentencesAndMentions() throws IOException {
    JsonNode samples = new ObjectMapper().readTree(wikimel().resolve("mentions.json").toFile());
    List<String> texts = new ArrayList<>();
    samples.elements().forEachRemaining(sample -> {
      texts.add(sample.get("sentence").asText());
      sample.get("mentions").forEach(m -> texts.add(m.asText()));
    });
    return texts;
  }

  /** {@code name [SEP] abstract} of every KB entity, in file order. */
  static List<String> entityTexts() throws IOException {
    WikiMel kb = WikiMel.load(wikimel());
    List<String> texts = new ArrayList<>(kb.names().size());
    kb.names().forEach((qid, name) -> texts.add(LinkingTexts.entity(name, kb.abstractOf(qid))));
    return texts;
  }
}
