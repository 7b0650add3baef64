package dev.mmel.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.app.MmelCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The `mmel` command line as a user meets it: exit codes, stdout contracts, error messages. */
class MmelCliTest {

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  @Test
  void everyCommandHasHelp() {
    List<String[]> paths = new ArrayList<>();
    collect(MmelCli.commandLine(), new ArrayList<>(), paths);
    assertTrue(paths.size() >= 10, "commands found: " + paths.size());
    for (String[] path : paths) {
      String[] args = java.util.Arrays.copyOf(path, path.length + 1);
      args[path.length] = "--help";
      CliRun run = run(args);
      assertEquals(0, run.code(), String.join(" ", args));
      assertTrue(run.out().contains("Usage: mmel"), String.join(" ", args));
    }
  }

  private static void collect(CommandLine command, List<String> prefix, List<String[]> out) {
    out.add(prefix.toArray(String[]::new));
    command.getSubcommands().forEach((name, sub) -> {
      if (!name.equals("help")) {
        List<String> path = new ArrayList<>(prefix);
        path.add(name);
        collect(sub, path, out);
      }
    });
  }

  @Test
  void tokenizePrintsIdsAsJsonOnTheLastLine() {
    CliRun run = run("tokenize", "A PHOTO of  a Cat!");
    assertEquals(0, run.code(), run.err());
    assertEquals("[49406, 320, 1125, 539, 320, 2368, 256, 49407]", run.lastLine());
    CliRun padded = run("tokenize", "--context-length", "10", "a photo of a cat");
    assertEquals("[49406, 320, 1125, 539, 320, 2368, 49407, 49407, 49407, 49407]",
        padded.lastLine());
    // Hugging Face's normalisation keeps the curly apostrophe; OpenAI's straightens it.
    assertEquals("[49406, 585, 728, 503, 338, 49407]", run("tokenize", "it’s").lastLine());
    assertEquals("[49406, 585, 568, 49407]",
        run("tokenize", "--normalization", "openai_ftfy", "it’s").lastLine());
  }

  @Test
  void modelInitInfoAndExportWork(@TempDir Path dir) throws Exception {
    Path model = dir.resolve("tiny");
    CliRun init = run("model", "init", "--config", "tiny", "--out", model.toString());
    assertEquals(0, init.code(), init.err());
    String version = init.lastLine();
    assertTrue(version.matches("mmoe-[0-9a-f]{16}"), version);
    assertTrue(init.err().contains("done:"), "progress goes to stderr: " + init.err());

    CliRun info = run("model", "info", model.toString(), "--verify");
    assertEquals(0, info.code(), info.err());
    assertTrue(info.out().contains("version          " + version), info.out());
    assertTrue(info.out().contains("matcher 45,213"), info.out());
    assertTrue(info.out().contains("inputs           image reference_lanczos, text hf_fast"),
        info.out());
    assertTrue(info.out().contains("every file matches the manifest"), info.out());

    CliRun export = run("model", "export", "--model", model.toString());
    assertEquals(0, export.code(), export.err());
    assertEquals(version, export.lastLine(), "re-export of the same weights keeps the version");
  }

  @Test
  void errorsNameTheProblemAndExitNonZero(@TempDir Path dir) throws Exception {
    CliRun unknownPreset = run("model", "init", "--config", "no-such", "--out",
        dir.resolve("x").toString());
    assertEquals(1, unknownPreset.code());
    assertTrue(unknownPreset.err().contains("error: --config 'no-such' is neither a preset"),
        unknownPreset.err());

    Path empty = Files.createDirectories(dir.resolve("empty"));
    CliRun notAModel = run("model", "export", "--model", empty.toString());
    assertEquals(1, notAModel.code());
    assertTrue(notAModel.err().contains("not an mmel model directory"), notAModel.err());

    CliRun badOption = run("model", "init", "--bogus");
    assertEquals(2, badOption.code(), "usage errors exit 2");

    CliRun badLength = run("tokenize", "--context-length", "1", "x");
    assertEquals(1, badLength.code());
    assertTrue(badLength.err().contains("--context-length must be in [2, 77], got 1"));

    CliRun badNormalization = run("tokenize", "--normalization", "nfkc", "x");
    assertEquals(1, badNormalization.code());
    assertTrue(badNormalization.err().contains(
        "preprocessing.text must be one of hf_fast, openai_ftfy; got 'nfkc'"),
        badNormalization.err());
  }

  @Test
  void dataCheckAndConvertPrintTheReport(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("mine"));
    Files.writeString(data.resolve("kb.jsonl"), "{\"qid\":\"Q1\",\"name\":\"One\"}\n");
    Files.writeString(data.resolve("mentions-train.jsonl"), String.join("\n",
        "{\"id\":\"1\",\"mention\":\"One\",\"sentence\":\"One\",\"answer\":\"Q1\"}",
        "{\"id\":\"2\",\"mention\":\"Two\",\"sentence\":\"Two\",\"answer\":\"nil\"}",
        "{\"id\":\"3\",\"mention\":\"Three\"}"));
    Path json = dir.resolve("report/data.json");
    CliRun check = run("data", "check", data.toString(), "--json", json.toString());
    assertEquals(0, check.code(), check.err());
    assertTrue(check.out().contains("dataset mine (directory name; the dataset declares none): "
        + "1 KB entities; mentions kept: train 1"), check.out());
    assertTrue(check.out().contains("dropped: 1 nil answers"), check.out());
    assertTrue(check.out().contains("mentions-train.jsonl:3: field 'sentence'"), check.out());
    assertTrue(Files.readString(json).contains("\"nil_dropped\" : 1"));

    Path out = dir.resolve("converted");
    CliRun convert = run("data", "convert", data.toString(), "--out", out.toString(), "--name",
        "WikiDiverse");
    assertEquals(0, convert.code(), convert.err());
    assertEquals(1, Files.readAllLines(out.resolve("mentions-train.jsonl")).size());
    assertEquals("{\"name\":\"WikiDiverse\"}",
        Files.readString(out.resolve("dataset.json")).strip());
    CliRun named = run("data", "check", out.toString());
    assertTrue(named.out().startsWith("dataset WikiDiverse: 1 KB entities"), named.out());

    CliRun nothing = run("data", "check", dir.resolve("report").toString());
    assertEquals(1, nothing.code());
    assertTrue(nothing.err().contains("matches no dataset format"), nothing.err());
  }
}
