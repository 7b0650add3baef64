package dev.mmel.model.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.KbJsonl;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.data.WikiMel;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "kb", mixinStandardHelpOptions = true,
    description = "Convert knowledge bases to mmel's KB JSONL format.",
    subcommands = {KbCommand.ExportWikiMel.class})
final class KbCommand {

  @Command(name = "export-wikimel", mixinStandardHelpOptions = true,
      description = {"Writes the shared WikiMEL knowledge base (18,880 entities: name and "
          + "attribute abstract) as KB JSONL, with aliases from the shared Wikidata sample "
          + "where it has the entity."})
  static final class ExportWikiMel implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output .jsonl.")
    Path out;

    @Option(names = "--limit", paramLabel = "N", description = "Only the first N entities.")
    Integer limit;

    @Override
    public Integer call() throws Exception {
      if (limit != null && limit < 1) {
        throw new IllegalArgumentException("--limit must be >= 1, got " + limit);
      }
      Progress progress = new Progress("kb export-wikimel");
      WikiMel wikimel = WikiMel.load(SharedData.file("wikimel"));
      Map<String, List<String>> aliases = wikidataAliases();
      List<String> qids = new ArrayList<>(wikimel.names().keySet());
      int n = limit == null ? qids.size() : Math.min(limit, qids.size());
      if (out.toAbsolutePath().getParent() != null) {
        Files.createDirectories(out.toAbsolutePath().getParent());
      }
      int withAliases = 0;
      try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
        for (String qid : qids.subList(0, n)) {
          List<String> known = aliases.getOrDefault(qid, List.of());
          withAliases += known.isEmpty() ? 0 : 1;
          writer.write(KbJsonl.toLine(new KbEntity(qid, wikimel.name(qid), known,
              wikimel.abstractOf(qid), null)));
          writer.newLine();
        }
      }
      progress.done(n + " entities (" + withAliases + " with Wikidata aliases) to " + out);
      return 0;
    }

    private static Map<String, List<String>> wikidataAliases() throws java.io.IOException {
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
}
