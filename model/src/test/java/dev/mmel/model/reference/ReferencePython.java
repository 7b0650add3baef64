package dev.mmel.model.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Python interpreter that holds the reference implementations (-Dmmel.reference.python, else
 * the virtualenv {@code infra/reference-venv.sh} creates, which needs PyPI the first time), and a
 * way to stream JSON lines through a reference script.
 */
public final class ReferencePython {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ReferencePython() {}

  public static String interpreter() throws IOException, InterruptedException {
    String configured = System.getProperty("mmel.reference.python");
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve("infra/reference-venv.sh"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      fail("set -Dmmel.reference.python or run inside the repository (no infra/reference-venv.sh above "
          + Path.of("").toAbsolutePath() + ")");
    }
    Process process = new ProcessBuilder("bash", dir.resolve("infra/reference-venv.sh").toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(15, TimeUnit.MINUTES) || process.exitValue() != 0) {
      fail("infra/reference-venv.sh did not create the reference virtualenv (see its stderr above)");
    }
    String[] lines = output.strip().split("\n");
    return lines[lines.length - 1].strip();
  }

  /**
   * Runs {@code command}, writing each input as one JSON line to its stdin, and returns its stdout
   * lines parsed as {@code type}; fails with the script's stderr unless it answers every input.
   */
  public static <T> List<T> jsonLines(List<String> command, List<?> inputs, Class<T> type) throws Exception {
    Path stderr = Files.createTempFile("reference", ".stderr");
    Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    Thread feeder = new Thread(() -> {
      try (Writer in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8))) {
        for (Object input : inputs) {
          in.write(JSON.writeValueAsString(input));
          in.write('\n');
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, "reference-feeder");
    feeder.start();
    List<T> answers = new ArrayList<>(inputs.size());
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        answers.add(JSON.readValue(line, type));
      }
    }
    feeder.join();
    boolean finished = process.waitFor(10, TimeUnit.MINUTES);
    String errors = Files.readString(stderr);
    Files.delete(stderr);
    if (!finished || process.exitValue() != 0) {
      fail("reference " + command + " failed:\n" + errors);
    }
    assertEquals(inputs.size(), answers.size(), "reference answered a different number of inputs:\n" + errors);
    return answers;
  }
}
