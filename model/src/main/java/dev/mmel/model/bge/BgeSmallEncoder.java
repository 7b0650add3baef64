package dev.mmel.model.bge;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The frozen pretrained text backbone bge-small-en-v1.5 (BAAI; the int8-quantized ONNX export in
 * the langchain4j jar), run by ONNX Runtime on the model bytes read from the classpath. It is the
 * text side of the matcher where CLIP weights are not available; it has no image tower.
 *
 * <p>{@link #encode} is safe to call from several threads at once (ONNX Runtime sessions allow
 * concurrent runs); {@link #close} must come after the last call has returned.
 *
 * <p>Each text is run alone and unpadded. The model quantizes activations dynamically, with one
 * int8 scale per tensor taken over the whole batch, padding included, so in a padded batch a text's
 * features move with its neighbours and its pad count (measured on WikiMEL entity texts: cosine to
 * the text alone as low as 0.994 in batches of 32 at 50 positions, and 0.948 alone but padded to
 * 64). Alone and unpadded they equal bge's own embedding, and they are the same whatever the batch
 * or {@code positions} (for texts that fit). Pad positions therefore have no hidden state; their
 * token rows are zeros.
 */
public final class BgeSmallEncoder implements AutoCloseable {
  public static final int WIDTH = 384;
  public static final int MAX_POSITIONS = 512;

  private static final String INPUT_IDS = "input_ids";
  private static final String ATTENTION_MASK = "attention_mask";
  private static final String TOKEN_TYPE_IDS = "token_type_ids";
  private static final String OUTPUT = "last_hidden_state";
  private static final String MODEL_NAME = "bge-small-en-v1.5-q";

  private final OrtEnvironment environment;
  private final OrtSession session;
  private final BgeTokenizer tokenizer;
  private final int positions;
  private final String modelId;
  private final boolean takesTokenTypes;
  private volatile boolean closed;

  private BgeSmallEncoder(OrtEnvironment environment, OrtSession session, BgeTokenizer tokenizer,
      int positions, String modelId, boolean takesTokenTypes) {
    this.environment = environment;
    this.session = session;
    this.tokenizer = tokenizer;
    this.positions = positions;
    this.modelId = modelId;
    this.takesTokenTypes = takesTokenTypes;
  }

  /**
   * Loads the model. {@code positions}: the sequence length L every text is truncated or padded
   * to, in [2, 512]; {@code threads}: ONNX Runtime's intra-op threads for one run, at least 1.
   */
  public static BgeSmallEncoder open(int positions, int threads) {
    if (positions < 2 || positions > MAX_POSITIONS) {
      throw new IllegalArgumentException("positions must be in [2, " + MAX_POSITIONS + "] (bge's position "
          + "table has 512 rows; [CLS] and [SEP] need 2), got " + positions);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    BgeTokenizer tokenizer = BgeTokenizer.load();
    byte[] model = BgeResources.read(BgeResources.MODEL);
    String modelId = MODEL_NAME + "@" + sha256Hex(model).substring(0, 16);
    OrtEnvironment environment = OrtEnvironment.getEnvironment();
    OrtSession session = null;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      session = environment.createSession(model, options);
      boolean takesTokenTypes = checkSignature(session);
      return new BgeSmallEncoder(environment, session, tokenizer, positions, modelId, takesTokenTypes);
    } catch (OrtException | RuntimeException e) {
      closeQuietly(session, e);
      if (e instanceof OrtException) {
        throw new IllegalStateException("ONNX Runtime cannot load classpath:" + BgeResources.MODEL + ": "
            + e.getMessage(), e);
      }
      throw (RuntimeException) e;
    }
  }

  public int positions() {
    return positions;
  }

  /** "bge-small-en-v1.5-q@" and the first 16 hex digits of the SHA-256 of the .onnx bytes. */
  public String modelId() {
    return modelId;
  }

  /** The tokenizer this encoder feeds the model with. */
  public BgeTokenizer tokenizer() {
    return tokenizer;
  }

  /** Features of {@code texts} (at least one), each fed raw, truncated or padded to {@link #positions}. */
  public BgeFeatures encode(List<String> texts) {
    if (texts == null || texts.isEmpty()) {
      throw new IllegalArgumentException("encode needs at least one text");
    }
    if (closed) {
      throw new IllegalStateException("encoder " + modelId + " is closed");
    }
    int count = texts.size();
    float[] tokens = new float[count * positions * WIDTH];
    float[] pooled = new float[count * WIDTH];
    for (int row = 0; row < count; row++) {
      String text = texts.get(row);
      if (text == null) {
        throw new IllegalArgumentException("text " + row + " of " + count + " is null");
      }
      int offset = row * positions * WIDTH;
      run(tokenizer.encode(text, positions), tokens, offset);
      normalizeInto(tokens, offset, pooled, row * WIDTH);
    }
    return new BgeFeatures(count, positions, WIDTH, pooled, tokens);
  }

  /** Runs one unpadded sequence and writes its [length, WIDTH] hidden states at {@code offset}. */
  private void run(int[] sequence, float[] tokens, int offset) {
    int length = sequence.length;
    long[] ids = new long[length];
    long[] mask = new long[length];
    for (int p = 0; p < length; p++) {
      ids[p] = sequence[p];
      mask[p] = 1;
    }
    long[] shape = {1, length};
    try (OnnxTensor idTensor = OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape);
        OnnxTensor maskTensor = OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape);
        OnnxTensor typeTensor = OnnxTensor.createTensor(environment, LongBuffer.allocate(length), shape)) {
      Map<String, OnnxTensor> feed = takesTokenTypes
          ? Map.of(INPUT_IDS, idTensor, ATTENTION_MASK, maskTensor, TOKEN_TYPE_IDS, typeTensor)
          : Map.of(INPUT_IDS, idTensor, ATTENTION_MASK, maskTensor);
      try (OrtSession.Result result = session.run(feed, Set.of(OUTPUT))) {
        hiddenStates(result.get(OUTPUT), length).get(tokens, offset, length * WIDTH);
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on a sequence of " + length + " tokens: "
          + e.getMessage(), e);
    }
  }

  private static FloatBuffer hiddenStates(Optional<OnnxValue> output, int length) {
    if (output.isEmpty() || !(output.get() instanceof OnnxTensor)) {
      throw new IllegalStateException("the model returned no tensor " + OUTPUT);
    }
    OnnxTensor hidden = (OnnxTensor) output.get();
    long[] shape = hidden.getInfo().getShape();
    if (!Arrays.equals(shape, new long[] {1, length, WIDTH})) {
      throw new IllegalStateException(OUTPUT + " has shape " + Arrays.toString(shape) + ", expected [1, "
          + length + ", " + WIDTH + "]");
    }
    return hidden.getFloatBuffer();
  }

  /** bge's sentence embedding: the [CLS] state (position 0) scaled to unit length. */
  private static void normalizeInto(float[] tokens, int from, float[] pooled, int to) {
    double squares = 0;
    for (int d = 0; d < WIDTH; d++) {
      squares += (double) tokens[from + d] * tokens[from + d];
    }
    double scale = 1 / Math.max(Math.sqrt(squares), 1e-12);
    for (int d = 0; d < WIDTH; d++) {
      pooled[to + d] = (float) (tokens[from + d] * scale);
    }
  }

  /** Whether the model takes token_type_ids; fails unless it has the inputs and output used here. */
  private static boolean checkSignature(OrtSession session) throws OrtException {
    Map<String, NodeInfo> inputs = session.getInputInfo();
    for (String name : List.of(INPUT_IDS, ATTENTION_MASK)) {
      if (!inputs.containsKey(name)) {
        throw new IllegalStateException("classpath:" + BgeResources.MODEL + " has no input " + name
            + "; its inputs are " + inputs.keySet());
      }
    }
    NodeInfo output = session.getOutputInfo().get(OUTPUT);
    if (output == null || !(output.getInfo() instanceof TensorInfo)) {
      throw new IllegalStateException("classpath:" + BgeResources.MODEL + " has no tensor output " + OUTPUT
          + "; its outputs are " + session.getOutputNames());
    }
    long[] shape = ((TensorInfo) output.getInfo()).getShape();
    if (shape.length != 3 || shape[2] != WIDTH) {
      throw new IllegalStateException("classpath:" + BgeResources.MODEL + " output " + OUTPUT + " has shape "
          + Arrays.toString(shape) + ", expected [batch, positions, " + WIDTH + "]");
    }
    return inputs.containsKey(TOKEN_TYPE_IDS);
  }

  private static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  private static void closeQuietly(OrtSession session, Exception cause) {
    if (session == null) {
      return;
    }
    try {
      session.close();
    } catch (OrtException | RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close the ONNX Runtime session of " + modelId, e);
    }
  }
}
