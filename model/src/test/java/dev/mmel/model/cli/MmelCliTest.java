package dev.mmel.model.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The `mmel` command line as a user meets it: exit codes, stdout contracts, error messages. */
class MmelCliTest {

  private record Run(int exitCode, String out, String err) {
    String lastLine() {
      String[] lines = out.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  private static Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      System.setOut(o);
      System.setErr(e);
      CommandLine cli = MmelCli.commandLine();
      cli.setOut(new java.io.PrintWriter(o, true));
      cli.setErr(new java.io.PrintWriter(e, true));
      int code = cli.execute(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8),
          err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void everyCommandHasHelp() {
    List<String[]> paths = new ArrayList<>();
    collect(MmelCli.commandLine(), new ArrayList<>(), paths);
    assertTrue(paths.size() >= 10, "commands found: " + paths.size());
    for (String[] path : paths) {
      String[] args = java.util.Arrays.copyOf(path, path.length + 1);
      args[path.length] = "--help";
      Run run = run(args);
      assertEquals(0, run.exitCode(), String.join(" ", args));
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
    Run run = run("tokenize", "A PHOTO of  a Cat!");
    assertEquals(0, run.exitCode(), run.err());
    assertEquals("[49406, 320, 1125, 539, 320, 2368, 256, 49407]", run.lastLine());
    Run padded = run("tokenize", "--context-length", "10", "a photo of a cat");
    assertEquals("[49406, 320, 1125, 539, 320, 2368, 49407, 49407, 49407, 49407]",
        padded.lastLine());
  }

  @Test
  void modelInitInfoAndExportWork(@TempDir Path dir) throws Exception {
    Path model = dir.resolve("tiny");
    Run init = run("model", "init", "--config", "tiny", "--out", model.toString());
    assertEquals(0, init.exitCode(), init.err());
    String version = init.lastLine();
    assertTrue(version.matches("mmoe-[0-9a-f]{16}"), version);
    assertTrue(init.err().contains("done:"), "progress goes to stderr: " + init.err());

    Run info = run("model", "info", model.toString(), "--verify");
    assertEquals(0, info.exitCode(), info.err());
    assertTrue(info.out().contains("version          " + version), info.out());
    assertTrue(info.out().contains("matcher 45,213"), info.out());
    assertTrue(info.out().contains("every file matches the manifest"), info.out());

    Run export = run("model", "export", "--model", model.toString());
    assertEquals(0, export.exitCode(), export.err());
    assertEquals(version, export.lastLine(), "re-export of the same weights keeps the version");
  }

  @Test
  void errorsNameTheProblemAndExitNonZero(@TempDir Path dir) throws Exception {
    Run unknownPreset = run("model", "init", "--config", "no-such", "--out",
        dir.resolve("x").toString());
    assertEquals(1, unknownPreset.exitCode());
    assertTrue(unknownPreset.err().contains("error: --config 'no-such' is neither a preset"),
        unknownPreset.err());

    Path empty = Files.createDirectories(dir.resolve("empty"));
    Run notAModel = run("model", "export", "--model", empty.toString());
    assertEquals(1, notAModel.exitCode());
    assertTrue(notAModel.err().contains("not an mmel model directory"), notAModel.err());

    Run badOption = run("model", "init", "--bogus");
    assertEquals(2, badOption.exitCode(), "usage errors exit 2");

    Run badLength = run("tokenize", "--context-length", "1", "x");
    assertEquals(1, badLength.exitCode());
    assertTrue(badLength.err().contains("--context-length must be in [2, 77], got 1"));
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
    Run check = run("data", "check", data.toString(), "--json", json.toString());
    assertEquals(0, check.exitCode(), check.err());
    assertTrue(check.out().contains("dataset mine: 1 KB entities; mentions kept: train 1"),
        check.out());
    assertTrue(check.out().contains("dropped: 1 nil answers"), check.out());
    assertTrue(check.out().contains("mentions-train.jsonl:3: field 'sentence'"), check.out());
    assertTrue(Files.readString(json).contains("\"nil_dropped\" : 1"));

    Path out = dir.resolve("converted");
    Run convert = run("data", "convert", data.toString(), "--out", out.toString());
    assertEquals(0, convert.exitCode(), convert.err());
    assertEquals(1, Files.readAllLines(out.resolve("mentions-train.jsonl")).size());

    Run nothing = run("data", "check", dir.resolve("report").toString());
    assertEquals(1, nothing.exitCode());
    assertTrue(nothing.err().contains("matches no dataset format"), nothing.err());
  }
}
