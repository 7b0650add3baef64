package dev.mmel.model.runtime;

import dev.mmel.core.EntityEncodings;
import dev.mmel.core.EntityInput;
import dev.mmel.core.ImageInput;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.InvalidInputException;
import dev.mmel.core.LinkingModel;
import dev.mmel.core.MentionEncodings;
import dev.mmel.core.MentionInput;
import dev.mmel.core.PreparedInput;
import dev.mmel.core.Scores;
import dev.mmel.model.bge.BgeFeatures;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.graph.MmoeGraph;
import dev.mmel.model.graph.Signatures;
import dev.mmel.model.graph.WeightLoader;
import dev.mmel.model.image.ImagePreprocessor;
import dev.mmel.model.image.InvalidImageException;
import dev.mmel.model.io.DamagedModelException;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.io.ModelVersion;
import dev.mmel.model.io.Sha256;
import dev.mmel.model.params.GateSite;
import dev.mmel.model.tensor.TensorCodec;
import dev.mmel.model.text.LinkingTexts;
import dev.mmel.model.text.TextTokenizer;
import dev.mmel.model.weights.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.types.TString;

/**
 * A loaded MMoE model: the exported signatures behind a Java-array API, and the
 * {@link LinkingModel} over them (texts tokenised with the directory's vocabulary, images
 * preprocessed as the model was trained). One instance is safe to call from many threads at
 * once (TensorFlow sessions run concurrent steps); tensors are created and released per call.
 */
public final class MmoeModel implements LinkingModel {
  private final ModelConfig config;
  private final String version;
  private final Map<String, SessionFunction> functions;
  private final List<AutoCloseable> resources;
  private final TextTokenizer tokenizer;
  /** Null for a text-only model. */
  private final ImagePreprocessor images;

  private MmoeModel(ModelConfig config, String version, Map<String, SessionFunction> functions,
      List<AutoCloseable> resources, TextTokenizer tokenizer) {
    this.config = config;
    this.version = version;
    this.functions = Map.copyOf(functions);
    this.resources = resources;
    this.tokenizer = tokenizer;
    this.images = config.hasVision() ? ImagePreprocessor.forConfig(config) : null;
  }

  /** Loads the directory's SavedModel after checking every file against the manifest. */
  public static MmoeModel load(Path modelDir, SessionSettings settings) throws IOException {
    return load(modelDir, settings, true);
  }

  public static MmoeModel load(Path modelDir, SessionSettings settings, boolean verifyFiles)
      throws IOException {
    ModelDirectory directory = new ModelDirectory(modelDir);
    ModelConfig config = directory.readConfig();
    String expectedVersion = directory.version();
    if (verifyFiles) {
      directory.verify();
    }
    TextTokenizer tokenizer = directory.tokenizer();
    if (!Files.isDirectory(directory.savedModel())) {
      throw new DamagedModelException(directory.savedModel()
          + " is missing; run `mmel model export --model " + modelDir + "`");
    }
    SavedModelBundle bundle;
    try {
      bundle = SavedModelBundle.loader(directory.savedModel().toString())
          .withTags(SavedModelBundle.DEFAULT_TAG)
          .withConfigProto(settings.toConfigProto())
          .load();
    } catch (TensorFlowException | IllegalArgumentException e) {
      throw new DamagedModelException("TensorFlow could not load " + directory.savedModel()
          + " (" + e.getMessage().lines().findFirst().orElse("") + "); re-export it with "
          + "`mmel model export --model " + modelDir + "`", e);
    }
    try {
      String embedded = readVersion(bundle.session());
      if (!embedded.equals(expectedVersion)) {
        throw new DamagedModelException(directory.savedModel() + " was exported as " + embedded
            + " but the manifest says " + expectedVersion + "; re-export the model");
      }
      Map<String, SessionFunction> functions = new HashMap<>();
      for (SessionFunction function : bundle.functions()) {
        functions.put(function.signature().key(), function);
      }
      requireSignatures(functions, directory.savedModel(), config);
      return new MmoeModel(config, embedded, functions, List.of(bundle), tokenizer);
    } catch (IOException | RuntimeException e) {
      bundle.close();
      throw e;
    }
  }

  /**
   * Builds the graph in this process from config and weights, without the SavedModel: the "raw
   * graph" path, used to export and to measure what loading the export costs at run time.
   */
  public static MmoeModel buildInProcess(Path modelDir, SessionSettings settings)
      throws IOException {
    ModelDirectory directory = new ModelDirectory(modelDir);
    ModelConfig config = directory.readConfig();
    String version = ModelVersion.of(config, Sha256.of(directory.weights()));
    TextTokenizer tokenizer = directory.tokenizer();
    Graph graph = new Graph();
    try (SafetensorsFile weights = SafetensorsFile.open(directory.weights())) {
      MmoeGraph model = MmoeGraph.build(graph, config, version);
      Session session = new Session(graph, settings.toConfigProto());
      try {
        WeightLoader.load(session, model, weights);
      } catch (IOException | RuntimeException e) {
        session.close();
        throw e;
      }
      Map<String, SessionFunction> functions = new LinkedHashMap<>();
      for (Signature signature : model.signatures()) {
        functions.put(signature.key(), SessionFunction.create(signature, session));
      }
      return new MmoeModel(config, version, functions, List.of(session, graph), tokenizer);
    } catch (IOException | RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  public ModelConfig config() {
    return config;
  }

  /** The model version id embedded in the export (see {@link ModelVersion}). */
  @Override
  public String version() {
    return version;
  }

  @Override
  public IndexSchema schema() {
    return config.indexSchema();
  }

  @Override
  public PreparedInput prepareEntity(EntityInput entity) throws InvalidInputException {
    return new PreparedInput(
        tokenizer.encodePadded(LinkingTexts.entity(entity.name(), entity.description()),
            config.contextLength()),
        pixels(entity.image()));
  }

  @Override
  public PreparedInput prepareMention(MentionInput mention) throws InvalidInputException {
    return new PreparedInput(
        tokenizer.encodePadded(LinkingTexts.mention(mention.mention(), mention.sentence(),
            mention.description()), config.contextLength()),
        pixels(mention.image()));
  }

  private float[] pixels(ImageInput image) throws InvalidInputException {
    // A text-only model ignores images: decoding them would be wasted work.
    if (!config.hasVision()) {
      return null;
    }
    try {
      if (image instanceof ImageInput.File file) {
        return images.preprocess(file.path());
      }
      if (image instanceof ImageInput.Bytes bytes) {
        return images.preprocess(bytes.data());
      }
      return null;
    } catch (IOException | InvalidImageException e) {
      throw new InvalidInputException("image", e.getMessage(), e);
    }
  }

  @Override
  public EntityEncodings encodeEntities(List<PreparedInput> entities) {
    return encodeEntities(ids(entities), pixels(entities));
  }

  @Override
  public MentionEncodings encodeMentions(List<PreparedInput> mentions) {
    return encodeMentions(ids(mentions), pixels(mentions));
  }

  private static int[][] ids(List<PreparedInput> items) {
    return items.stream().map(PreparedInput::tokenIds).toArray(int[][]::new);
  }

  private static float[][] pixels(List<PreparedInput> items) {
    return items.stream().map(PreparedInput::pixels).toArray(float[][]::new);
  }

  /** @param pixels one [3*S*S] array per item, or null (whole array or entries) for no image */
  public EntityEncodings encodeEntities(int[][] textIds, float[][] pixels) {
    ModelInputs.checkItems("entities", textIds, pixels, config);
    int n = textIds.length;
    Map<String, float[]> out = call(Signatures.ENCODE_ENTITIES, encoderInputs(textIds, pixels));
    return new EntityEncodings(n, config.retrievalDim(), config.matcher().hiddenDim(),
        config.contextLength(), config.imagePositions(),
        out.get(Signatures.RETRIEVAL), out.get(Signatures.TEXT_C),
        out.get(Signatures.TEXT_QUERY), out.get(Signatures.IMAGE_C),
        out.get(Signatures.IMAGE_QUERY));
  }

  public MentionEncodings encodeMentions(int[][] textIds, float[][] pixels) {
    ModelInputs.checkItems("mentions", textIds, pixels, config);
    int n = textIds.length;
    Map<String, float[]> out = call(Signatures.ENCODE_MENTIONS, encoderInputs(textIds, pixels));
    return new MentionEncodings(n, config.retrievalDim(), config.matcher().hiddenDim(),
        config.contextLength(), config.imagePositions(),
        out.get(Signatures.QUERY), out.get(Signatures.TEXT_KEY), out.get(Signatures.TEXT_VALUE),
        out.get(Signatures.IMAGE_KEY), out.get(Signatures.IMAGE_VALUE));
  }

  /**
   * The text tower's output for these token ids: t_cls and t_tok as the matcher receives them
   * (what the frozen-tower training regime caches, so that it trains on the served numbers).
   */
  public BgeFeatures encodeTexts(int[][] textIds) {
    if (!functions.containsKey(Signatures.ENCODE_TEXTS)) {
      throw new IllegalStateException("this model directory predates the '"
          + Signatures.ENCODE_TEXTS + "' signature; export it again with `mmel model export`");
    }
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    inputs.put(Signatures.TEXT_IDS, TensorCodec.ids(textIds, config.contextLength()));
    Map<String, float[]> out = call(Signatures.ENCODE_TEXTS, inputs);
    return new BgeFeatures(textIds.length, config.contextLength(), config.projectionDim(),
        out.get(Signatures.TEXT_CLS), out.get(Signatures.TEXT_TOKENS));
  }

  /**
   * Full scores S = F + I of each mention against its own candidates: candidate rows
   * {@code b*perMention .. (b+1)*perMention-1} belong to mention b.
   */
  @Override
  public Scores scoreCandidates(MentionEncodings mentions, EntityEncodings candidates,
      int perMention) {
    int b = mentions.count();
    if (perMention < 1 || (long) b * perMention != candidates.count()) {
      throw new IllegalArgumentException("candidates holds " + candidates.count()
          + " rows; expected mentions (" + b + ") x per_mention (" + perMention + ")");
    }
    int r = config.retrievalDim();
    int d = config.matcher().hiddenDim();
    int l = config.contextLength();
    int p = config.imagePositions();
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    inputs.put(Signatures.QUERY, TensorCodec.flat(mentions.query(), b, r));
    inputs.put(Signatures.TEXT_KEY, TensorCodec.flat(mentions.textKey(), b, l, d));
    inputs.put(Signatures.TEXT_VALUE, TensorCodec.flat(mentions.textValue(), b, l, d));
    inputs.put(Signatures.IMAGE_KEY, TensorCodec.flat(mentions.imageKey(), b, p, d));
    inputs.put(Signatures.IMAGE_VALUE, TensorCodec.flat(mentions.imageValue(), b, p, d));
    inputs.put(Signatures.RETRIEVAL, TensorCodec.flat(candidates.retrieval(), b, perMention, r));
    inputs.put(Signatures.TEXT_C, TensorCodec.flat(candidates.textC(), b, perMention, d));
    inputs.put(Signatures.TEXT_QUERY,
        TensorCodec.flat(candidates.textQuery(), b, perMention, l, d));
    inputs.put(Signatures.IMAGE_C, TensorCodec.flat(candidates.imageC(), b, perMention, d));
    inputs.put(Signatures.IMAGE_QUERY,
        TensorCodec.flat(candidates.imageQuery(), b, perMention, p, d));
    return scores(call(Signatures.SCORE_CANDIDATES, inputs), b, perMention);
  }

  /** All mentions against all entities with the joint computation (spec 5-7). */
  public Scores scorePairs(int[][] mentionIds, float[][] mentionPixels, int[][] entityIds,
      float[][] entityPixels) {
    ModelInputs.checkItems("mentions", mentionIds, mentionPixels, config);
    ModelInputs.checkItems("entities", entityIds, entityPixels, config);
    return scores(call(Signatures.SCORE_PAIRS,
        pairInputs(mentionIds, mentionPixels, entityIds, entityPixels)),
        mentionIds.length, entityIds.length);
  }

  /**
   * Faithful mode: each gate site's mean of the masked router probabilities over these mentions
   * and their gold entities (rows pair up), the statistic the frozen means store.
   */
  public Map<GateSite, float[]> gateStatistics(int[][] mentionIds, float[][] mentionPixels,
      int[][] entityIds, float[][] entityPixels) {
    if (!functions.containsKey(Signatures.GATE_STATISTICS)) {
      throw new IllegalStateException("gate statistics exist only for faithful-gate models; "
          + "this model's gate is " + config.matcher().gateMode().id());
    }
    ModelInputs.checkItems("mentions", mentionIds, mentionPixels, config);
    ModelInputs.checkItems("entities", entityIds, entityPixels, config);
    Map<String, float[]> out = call(Signatures.GATE_STATISTICS,
        pairInputs(mentionIds, mentionPixels, entityIds, entityPixels));
    Map<GateSite, float[]> means = new EnumMap<>(GateSite.class);
    for (GateSite site : GateSite.values()) {
      means.put(site, out.get(site.outputName()));
    }
    return means;
  }

  private Map<String, Tensor> pairInputs(int[][] mentionIds, float[][] mentionPixels,
      int[][] entityIds, float[][] entityPixels) {
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    inputs.put(Signatures.MENTION_TEXT_IDS, TensorCodec.ids(mentionIds, config.contextLength()));
    putPixels(inputs, Signatures.MENTION_PIXELS, mentionPixels, mentionIds.length);
    inputs.put(Signatures.ENTITY_TEXT_IDS, TensorCodec.ids(entityIds, config.contextLength()));
    putPixels(inputs, Signatures.ENTITY_PIXELS, entityPixels, entityIds.length);
    return inputs;
  }

  private Map<String, Tensor> encoderInputs(int[][] textIds, float[][] pixels) {
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    inputs.put(Signatures.TEXT_IDS, TensorCodec.ids(textIds, config.contextLength()));
    putPixels(inputs, Signatures.PIXELS, pixels, textIds.length);
    return inputs;
  }

  /** A text-only model's signatures take no pixels: whatever the caller sent is ignored. */
  private void putPixels(Map<String, Tensor> inputs, String key, float[][] pixels, int count) {
    if (config.hasVision()) {
      int size = config.vision().imageSize();
      inputs.put(key, TensorCodec.rows(orMissing(pixels, count), 3, size, size));
    }
  }

  private static float[][] orMissing(float[][] pixels, int count) {
    return pixels != null ? pixels : new float[count][];
  }

  private static Scores scores(Map<String, float[]> out, int rows, int columns) {
    return new Scores(rows, columns, out.get(Signatures.SCORE), out.get(Signatures.TEXT_SCORE),
        out.get(Signatures.IMAGE_SCORE), out.get(Signatures.CROSS_SCORE));
  }

  private Map<String, float[]> call(String signature, Map<String, Tensor> inputs) {
    try (Result result = functions.get(signature).call(inputs)) {
      Map<String, float[]> out = new HashMap<>();
      for (Map.Entry<String, Tensor> entry : result) {
        out.put(entry.getKey(), TensorCodec.read(entry.getValue()));
      }
      return out;
    } finally {
      inputs.values().forEach(Tensor::close);
    }
  }

  private static String readVersion(Session session) {
    try (Result result = session.runner().fetch(Signatures.VERSION_OP).run()) {
      return ((TString) result.get(0)).getObject();
    }
  }

  private static void requireSignatures(Map<String, SessionFunction> functions, Path where,
      ModelConfig config) throws DamagedModelException {
    List<String> required = new java.util.ArrayList<>(List.of(Signatures.ENCODE_ENTITIES,
        Signatures.ENCODE_MENTIONS, Signatures.SCORE_CANDIDATES, Signatures.SCORE_PAIRS));
    if (config.matcher().gateMode() == dev.mmel.model.config.GateMode.FAITHFUL) {
      required.add(Signatures.GATE_STATISTICS);
    }
    for (String key : required) {
      if (!functions.containsKey(key)) {
        throw new DamagedModelException(where + " has no signature '" + key
            + "'; it was not exported by this version of mmel");
      }
    }
  }

  @Override
  public void close() {
    for (AutoCloseable resource : resources) {
      try {
        resource.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing the model failed", e);
      }
    }
  }
}
