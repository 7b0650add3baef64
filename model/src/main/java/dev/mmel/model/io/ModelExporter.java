package dev.mmel.model.io;

import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.graph.MmoeGraph;
import dev.mmel.model.graph.WeightLoader;
import dev.mmel.model.weights.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;

/**
 * Turns a directory's config and weights into its SavedModel and manifest. The SavedModel is
 * written beside the old one and swapped in by rename, so a crash mid-export leaves the previous
 * export intact (and the manifest, written last, still describing it).
 */
public final class ModelExporter {
  private ModelExporter() {}

  /** @return the model version id */
  public static String export(ModelDirectory directory) throws IOException {
    ModelConfig config = directory.readConfig();
    String weightsSha = Sha256.of(directory.weights());
    String version = ModelVersion.of(config, weightsSha);
    Path staging = directory.root().resolve(ModelDirectory.SAVED_MODEL + ".tmp");
    deleteRecursively(staging);
    try (Graph graph = new Graph();
        SafetensorsFile weights = SafetensorsFile.open(directory.weights())) {
      MmoeGraph model = MmoeGraph.build(graph, config, version);
      try (Session session = new Session(graph)) {
        WeightLoader.load(session, model, weights);
        SavedModelBundle.Exporter exporter =
            SavedModelBundle.exporter(staging.toString()).withSession(session);
        for (Signature signature : model.signatures()) {
          exporter.withFunction(SessionFunction.create(signature, session));
        }
        exporter.export();
      }
    }
    Path old = directory.root().resolve(ModelDirectory.SAVED_MODEL + ".old");
    deleteRecursively(old);
    if (Files.exists(directory.savedModel())) {
      Files.move(directory.savedModel(), old, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(staging, directory.savedModel(), StandardCopyOption.ATOMIC_MOVE);
    deleteRecursively(old);
    directory.writeManifest(version, config, weightsSha);
    return version;
  }

  static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
