package dev.mmel.model.io;

import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.params.ParameterGroup;
import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterNames;
import dev.mmel.model.params.ParameterSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Names a model's text tower by its weights alone: models that differ only in their matcher (a
 * trained head and the model it started from) share an id, and so share cached tower features.
 */
public final class BackboneId {
  private BackboneId() {}

  public static String of(ModelDirectory directory) throws IOException {
    ModelConfig config = directory.readConfig();
    Map<String, float[]> weights = Checkpoint.read(directory.weights());
    List<ParameterSpec> tower = ParameterLayout.of(config).specs().stream()
        .filter(spec -> spec.group() == ParameterGroup.BACKBONE)
        .filter(spec -> isTextTower(spec.name()))
        .sorted(Comparator.comparing(ParameterSpec::name))
        .toList();
    MessageDigest digest = sha256();
    digest.update((config.text().kind().id() + "/" + config.contextLength() + "/"
        + config.preprocessing().text().id()).getBytes(StandardCharsets.UTF_8));
    for (ParameterSpec spec : tower) {
      float[] values = weights.get(spec.name());
      digest.update(spec.name().getBytes(StandardCharsets.UTF_8));
      ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
      bytes.asFloatBuffer().put(values);
      digest.update(bytes);
    }
    return config.text().kind().id() + "-tower@" + HexFormat.of().formatHex(digest.digest())
        .substring(0, 16);
  }

  private static boolean isTextTower(String name) {
    return name.startsWith(ParameterNames.TEXT) || name.equals(ParameterNames.TEXT_PROJECTION)
        || name.startsWith(ParameterNames.BERT);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
