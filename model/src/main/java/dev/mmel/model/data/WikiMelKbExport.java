package dev.mmel.model.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared WikiMEL knowledge base (name and attribute abstract per QID) as KB JSONL, with
 * aliases from the shared Wikidata sample where it has the entity.
 */
public final class WikiMelKbExport {
  private WikiMelKbExport() {}

  /** What was written. */
  public record Summary(int entities, int withAliases) {}

  /** Writes at most {@code limit} entities (all when null), atomically. */
  public static Summary write(Path out, Integer limit) throws IOException {
    WikiMel wikimel = WikiMel.load(SharedData.file("wikimel"));
    Map<String, List<String>> aliases = wikidataAliases();
    List<String> qids = new ArrayList<>(wikimel.names().keySet());
    int n = limit == null ? qids.size() : Math.min(limit, qids.size());
    Path dir = out.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    Path temp = out.resolveSibling(out.getFileName() + ".tmp");
    int withAliases = 0;
    try (BufferedWriter writer = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
      for (String qid : qids.subList(0, n)) {
        List<String> known = aliases.getOrDefault(qid, List.of());
        withAliases += known.isEmpty() ? 0 : 1;
        writer.write(KbJsonl.toLine(new KbEntity(qid, wikimel.name(qid), known,
            wikimel.abstractOf(qid), null)));
        writer.newLine();
      }
    }
    Files.move(temp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return new Summary(n, withAliases);
  }

  private static Map<String, List<String>> wikidataAliases() throws IOException {
    JsonNode root = new ObjectMapper().readTree(
        SharedData.file("wikidata-kb/entity2wikidata.json").toFile());
    Map<String, List<String>> aliases = new HashMap<>();
    root.elements().forEachRemaining(entity -> {
      List<String> names = new ArrayList<>();
      entity.path("alternatives").forEach(a -> names.add(a.asText()));
      if (!names.isEmpty()) {
        aliases.put(entity.path("wikidata_id").asText(), names);
      }
    });
    return aliases;
  }
}
