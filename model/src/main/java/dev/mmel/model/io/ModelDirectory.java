package dev.mmel.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mmel.model.bge.BgeTokenizer;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelConfigJson;
import dev.mmel.model.config.TokenizerKind;
import dev.mmel.model.text.ClipTokenizer;
import dev.mmel.model.text.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A model directory: {@code config.json}, {@code weights.safetensors} (canonical names, the source
 * of truth), {@code saved_model/} (the export every module loads), the vocabulary of the
 * tokenizer the config names (CLIP's BPE merges, or BERT's tokenizer.json; so a model directory
 * is all a job or server needs, on any host) and
 * {@code manifest.json}, which records the model version id and a SHA-256 of every file so
 * damage is caught before TensorFlow sees it.
 */
public final class ModelDirectory {
  public static final String CONFIG = "config.json";
  public static final String WEIGHTS = "weights.safetensors";
  public static final String SAVED_MODEL = "saved_model";
  public static final String MANIFEST = "manifest.json";
  /** The CLIP tokenizer's vocabulary. */
  public static final String VOCAB = TokenizerKind.CLIP_BPE.fileName();
  private static final int FORMAT = 1;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path root;

  public ModelDirectory(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  public Path config() {
    return root.resolve(CONFIG);
  }

  public Path weights() {
    return root.resolve(WEIGHTS);
  }

  public Path savedModel() {
    return root.resolve(SAVED_MODEL);
  }

  public Path manifest() {
    return root.resolve(MANIFEST);
  }

  /** Where the CLIP tokenizer's vocabulary is (or would be). */
  public Path vocab() {
    return vocab(TokenizerKind.CLIP_BPE);
  }

  public Path vocab(TokenizerKind kind) {
    return root.resolve(kind.fileName());
  }

  /**
   * The vocabulary file of the tokenizer the config names, which the model was made with; fails
   * with what to do if absent.
   */
  public Path tokenizerVocab() throws IOException {
    Path file = vocab(readConfig().text().tokenizer());
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "the model directory has no "
          + "tokenizer vocabulary (it predates vocabularies shipped with models); create it "
          + "again with `mmel model init` or `mmel model import`");
    }
    return file;
  }

  /** The CLIP BPE vocabulary of a CLIP model (to copy into another), or null for a BERT one. */
  public Path clipVocabulary() throws IOException {
    return readConfig().text().tokenizer() == TokenizerKind.CLIP_BPE ? tokenizerVocab() : null;
  }

  /** The tokenizer the config names, loaded from the directory's own vocabulary. */
  public TextTokenizer tokenizer() throws IOException {
    Path file = tokenizerVocab();
    if (readConfig().text().tokenizer() == TokenizerKind.CLIP_BPE) {
      return ClipTokenizer.load(file, readConfig().preprocessing().text());
    }
    BgeTokenizer wordPiece = BgeTokenizer.load(file);
    // The BERT tower finds pads as trailing zeros.
    if (wordPiece.padId() != 0) {
      throw new IllegalArgumentException(file + ": [PAD] has id " + wordPiece.padId()
          + "; the BERT text tower needs pad id 0");
    }
    return wordPiece;
  }

  public ModelConfig readConfig() throws IOException {
    requireFile(config());
    return ModelConfigJson.read(config());
  }

  /** The version id recorded by the last export. */
  public String version() throws IOException {
    return readManifest().get("version").asText();
  }

  void writeManifest(String version, ModelConfig config, String weightsSha256)
      throws IOException {
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("format", FORMAT);
    manifest.put("version", version);
    manifest.put("config", config.name());
    ObjectNode files = manifest.putObject("files");
    for (Map.Entry<String, String> entry : hashFiles(weightsSha256).entrySet()) {
      files.put(entry.getKey(), entry.getValue());
    }
    Path temp = root.resolve(MANIFEST + ".tmp");
    Files.writeString(temp, JSON.writeValueAsString(manifest));
    Files.move(temp, manifest(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Checks every file the manifest lists against its hash, and that no file is missing.
   * @throws DamagedModelException naming each damaged, missing or unexpected file
   */
  public void verify() throws IOException {
    JsonNode manifest = readManifest();
    JsonNode recorded = manifest.get("files");
    if (recorded == null || !recorded.isObject()) {
      throw new DamagedModelException(manifest() + " has no 'files' section");
    }
    Map<String, String> actual = hashFiles(null);
    List<String> problems = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = recorded.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String now = actual.get(entry.getKey());
      if (now == null) {
        problems.add(entry.getKey() + " is missing");
      } else if (!now.equals(entry.getValue().asText())) {
        problems.add(entry.getKey() + " is changed or damaged (SHA-256 differs)");
      }
    }
    for (String name : actual.keySet()) {
      if (!recorded.has(name)) {
        problems.add(name + " is not in the manifest");
      }
    }
    if (!problems.isEmpty()) {
      throw new DamagedModelException("model directory " + root + " is damaged: "
          + String.join("; ", problems)
          + ". Re-export it with `mmel model export --model " + root + "`, or restore it.");
    }
  }

  private JsonNode readManifest() throws IOException {
    requireFile(manifest());
    JsonNode node;
    try {
      node = JSON.readTree(manifest().toFile());
    } catch (IOException e) {
      throw new DamagedModelException(manifest() + " is not valid JSON: " + e.getMessage());
    }
    if (node == null || node.path("format").asInt() != FORMAT || !node.hasNonNull("version")) {
      throw new DamagedModelException(manifest() + " is not an mmel manifest of format "
          + FORMAT);
    }
    return node;
  }

  /** @param knownWeightsSha256 the weights' hash if the caller just computed it, else null */
  private Map<String, String> hashFiles(String knownWeightsSha256) throws IOException {
    Map<String, String> hashes = new TreeMap<>();
    hashes.put(CONFIG, Sha256.of(config()));
    hashes.put(WEIGHTS,
        knownWeightsSha256 != null ? knownWeightsSha256 : Sha256.of(weights()));
    for (TokenizerKind kind : TokenizerKind.values()) {
      if (Files.isRegularFile(vocab(kind))) {
        hashes.put(kind.fileName(), Sha256.of(vocab(kind)));
      }
    }
    if (Files.isDirectory(savedModel())) {
      try (Stream<Path> files = Files.walk(savedModel())) {
        for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
          hashes.put(root.relativize(file).toString(), Sha256.of(file));
        }
      }
    }
    return hashes;
  }

  private void requireFile(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null,
          "not an mmel model directory (create one with `mmel model init` or `mmel model import`)");
    }
  }
}
