package dev.mmel.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.model.eval.RankedMention;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A report of `mmel evaluate --json`, read back for `mmel compare`. */
record EvaluationReportFile(Path file, String model, String dataset, String split, int kbSize,
    String kbSha256, List<RankedMention> ranks) {

  static EvaluationReportFile read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null,
          "not found (a report of `mmel evaluate --json FILE`)");
    }
    JsonNode root = new ObjectMapper().readTree(file.toFile());
    if (root == null || !root.has("metrics")) {
      throw new IOException(file + " is not a report of `mmel evaluate --json`");
    }
    if (!root.path("ranks").isArray() || !root.path("kb_sha256").isTextual()) {
      throw new IOException(file + " has no per-mention ranks or KB digest: it was written "
          + "before `mmel evaluate` recorded them; evaluate again to compare");
    }
    List<RankedMention> ranks = new ArrayList<>();
    for (JsonNode rank : root.path("ranks")) {
      ranks.add(new RankedMention(rank.path("sample_id").asText(),
          rank.path("mention_index").asInt(), rank.path("mention").asText(),
          rank.path("gold").asText(), rank.path("rank").asInt()));
    }
    String model = root.path("model").asText() + " " + root.path("model_version").asText();
    return new EvaluationReportFile(file, model, root.path("dataset").asText(),
        root.path("split").asText(), root.path("kb_size").asInt(),
        root.path("kb_sha256").asText(), List.copyOf(ranks));
  }

  /** Refuses two reports ranked against different KBs, whose ranks do not compare. */
  static void requireSameKb(EvaluationReportFile first, EvaluationReportFile second) {
    if (!first.kbSha256.equals(second.kbSha256)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "the reports ranked against "
          + "different KBs: %s %,d entities (sha256 %.12s), %s %,d entities (sha256 %.12s); "
          + "evaluate both against the same --data", first.file, first.kbSize,
          first.kbSha256, second.file, second.kbSize, second.kbSha256));
    }
  }

  String describe() {
    return String.format(Locale.ROOT, "%s: %s on %s %s, %,d mentions", file, model, dataset,
        split, ranks.size());
  }
}
