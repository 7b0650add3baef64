package dev.mmel.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `mmel compare` on reports as `mmel evaluate --json` writes them. */
class CompareCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  /** A report whose mention i (sample "s" + i) has rank {@code ranks[i]}. */
  private Path report(String name, String kb, int... ranks) throws Exception {
    ObjectNode root = JSON.createObjectNode();
    root.put("model", "model " + name).put("model_version", "v-" + name)
        .put("dataset", "wikimel").put("split", "test").put("kb_size", 100)
        .put("kb_sha256", kb);
    root.putObject("metrics").put("mentions", ranks.length);
    ArrayNode list = root.putArray("ranks");
    for (int i = 0; i < ranks.length; i++) {
      list.addObject().put("sample_id", "s" + i).put("mention_index", 0).put("mention", "m" + i)
          .put("gold", "Q" + i).put("rank", ranks[i]);
    }
    Path file = dir.resolve(name + ".json");
    JSON.writeValue(file.toFile(), root);
    return file;
  }

  @Test
  void printsBothMetricsTheirDifferencesAndIntervals() throws Exception {
    Path a = report("a", "kb1", 1, 2, 1, 7, 1, 1, 3, 1);
    Path b = report("b", "kb1", 1, 1, 1, 1, 2, 1, 3, 1);
    Path out = dir.resolve("comparison.json");
    CliRun run = CliRun.of("compare", a.toString(), b.toString(), "--resamples", "1000",
        "--json", out.toString());
    assertEquals(0, run.code(), run.printed());
    assertTrue(run.out().contains("| metric | first | second | second - first | 95% CI |"),
        run.printed());
    assertTrue(run.out().contains("| H@1 | 62.50 | 75.00 | +12.50 | ["), run.printed());
    assertTrue(run.out().contains("H@1: 2 mentions improved, 1 worsened, of 8; paired "
        + "bootstrap over mentions, 1,000 resamples, seed 43"), run.printed());
    JsonNode json = JSON.readTree(out.toFile());
    JsonNode h1 = json.path("metrics").get(0);
    assertEquals(12.5, h1.path("difference").asDouble(), 1e-9);
    assertTrue(h1.path("ci_lower").asDouble() <= 12.5 && 12.5 <= h1.path("ci_upper").asDouble());

    CliRun same = CliRun.of("compare", a.toString(), a.toString());
    assertEquals(0, same.code(), same.printed());
    assertTrue(same.out().contains("| MRR | 74.70 | 74.70 | +0.00 | [+0.00, +0.00] |"),
        same.printed());
  }

  @Test
  void refusesReportsOverDifferentKbsOrMentions() throws Exception {
    Path a = report("a", "kb1", 1, 2, 3);
    CliRun kb = CliRun.of("compare", a.toString(), report("b", "kb2", 1, 2, 3).toString());
    assertEquals(1, kb.code(), kb.printed());
    assertTrue(kb.err().contains("the reports ranked against different KBs"), kb.printed());

    CliRun mentions = CliRun.of("compare", a.toString(), report("c", "kb1", 1, 2).toString());
    assertEquals(1, mentions.code(), mentions.printed());
    assertTrue(mentions.err().contains("1 only in " + a + " (e.g. sample s2 mention #0)"),
        mentions.printed());

    ObjectNode old = (ObjectNode) JSON.readTree(a.toFile());
    old.remove("ranks");
    JSON.writeValue(dir.resolve("old.json").toFile(), old);
    CliRun before = CliRun.of("compare", dir.resolve("old.json").toString(), a.toString());
    assertEquals(1, before.code(), before.printed());
    assertTrue(before.err().contains("has no per-mention ranks"), before.printed());
  }
}
