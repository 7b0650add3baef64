package dev.mmel.model.frozen;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.MatcherConfig;
import dev.mmel.model.config.MatcherInputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a run over a frozen text backbone is: the backbone's weights id and the matcher's input
 * shapes and settings. Stored as {@code run.json} in the run directory, beside the checkpoints.
 * The image side has no tower: its widths are the matcher width and it is always fed zeros.
 */
public record FrozenTextRun(String backboneId, MatcherInputs inputs) {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public static FrozenTextRun of(String backboneId, int textWidth, int positions,
      MatcherConfig matcher) {
    int d = matcher.hiddenDim();
    return new FrozenTextRun(backboneId,
        new MatcherInputs(textWidth, positions, d, d, 1e-5, matcher));
  }

  public void write(Path runDir) throws IOException {
    Files.createDirectories(runDir);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("backbone_id", backboneId);
    json.put("text_width", inputs.textWidth());
    json.put("positions", inputs.positions());
    json.put("hidden_dim", inputs.matcher().hiddenDim());
    json.put("experts", inputs.matcher().experts());
    json.put("top_k", inputs.matcher().topK());
    json.put("gate_mode", inputs.matcher().gateMode().id());
    json.put("frozen_mean_batch", inputs.matcher().frozenMeanBatch());
    JSON.writeValue(runDir.resolve("run.json").toFile(), json);
  }

  public static FrozenTextRun read(Path runDir) throws IOException {
    Path file = runDir.resolve("run.json");
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + " is missing: --run must name a directory written by "
          + "`mmel train`");
    }
    var node = JSON.readTree(file.toFile());
    // Other regimes record theirs (`mmel train --model` writes "end_to_end"); their model is
    // the model directory RUN/model.
    if (node.has("regime")) {
      throw new IllegalArgumentException(runDir + " is a " + node.path("regime").asText()
          + " run, not one over the frozen backbone: its model is the model directory "
          + runDir.resolve("model") + " (use --model with it)");
    }
    MatcherConfig matcher = new MatcherConfig(node.path("hidden_dim").asInt(),
        node.path("experts").asInt(), node.path("top_k").asInt(),
        GateMode.parse(node.path("gate_mode").asText()),
        node.path("frozen_mean_batch").asInt());
    return of(node.path("backbone_id").asText(), node.path("text_width").asInt(),
        node.path("positions").asInt(), matcher);
  }
}
