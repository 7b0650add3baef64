package dev.mmel.serving.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The web console's files (plain HTML, CSS and JavaScript, no build step, nothing fetched from
 * elsewhere), read from the classpath once when the server starts.
 */
final class ConsoleAssets {
  static final String ROOT = "/console/";
  private static final String RESOURCES = "/dev/mmel/serving/http/console/";
  private static final Map<String, String> FILES = Map.of(
      "index.html", "text/html; charset=utf-8",
      "console.css", "text/css; charset=utf-8",
      "console.js", "text/javascript; charset=utf-8");

  record Asset(byte[] bytes, String contentType) {}

  private final Map<String, Asset> assets = new HashMap<>();

  ConsoleAssets() {
    for (Map.Entry<String, String> file : FILES.entrySet()) {
      try (InputStream in = ConsoleAssets.class.getResourceAsStream(RESOURCES + file.getKey())) {
        if (in == null) {
          throw new IllegalStateException("the console file " + file.getKey()
              + " is missing from the classpath");
        }
        assets.put(ROOT + file.getKey(), new Asset(in.readAllBytes(), file.getValue()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    assets.put(ROOT, assets.get(ROOT + "index.html"));
  }

  Optional<Asset> get(String path) {
    return Optional.ofNullable(assets.get(path));
  }
}
