package dev.mmel.model.io;

import dev.mmel.model.weights.SafetensorsFile;
import dev.mmel.model.weights.SafetensorsWriter;
import dev.mmel.model.weights.TensorDType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Named float tensors in one safetensors file (canonical names of spec 10 for weights), written
 * to a temporary name and moved into place so a crash never leaves half a checkpoint.
 */
public final class Checkpoint {
  private Checkpoint() {}

  public static void write(Path file, Map<String, float[]> values,
      Function<String, long[]> shapes) throws IOException {
    SafetensorsWriter writer = new SafetensorsWriter();
    values.forEach((name, v) -> writer.add(name, TensorDType.F32, shapes.apply(name), v));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    writer.write(temporary);
    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  public static Map<String, float[]> read(Path file) throws IOException {
    Map<String, float[]> values = new LinkedHashMap<>();
    try (SafetensorsFile tensors = SafetensorsFile.open(file)) {
      for (String name : tensors.names()) {
        values.put(name, tensors.readFloats(name));
      }
    }
    return values;
  }
}
