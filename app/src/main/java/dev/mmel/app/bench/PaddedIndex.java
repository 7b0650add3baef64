package dev.mmel.app.bench;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.ProgressListener;
import dev.mmel.core.RerankFeatures;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.PublishPolicy;
import dev.mmel.retriever.embedded.EmbeddedEntityIndexStore;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;

/**
 * `mmel bench serving --scale N`: the live build of an index copied, entity by entity, into an
 * embedded store of its own and padded with synthetic entities up to N, without the model: no
 * entity is encoded, as `mmel bench-index` makes its million synthetic rows without one.
 *
 * <p>Synthetic entity {@code i} is a function of (seed, i) alone, drawn from the streams
 * {@link SyntheticEntities#stream} gives it. It borrows from a real entity drawn at random that
 * entity's rerank features (stored fp16, the real shapes: the server reranks synthetic
 * candidates like real ones) and the length of its retrieval vector; the vector's direction is
 * drawn from a Gaussian with the real vectors' mean and covariance. So the inner products
 * serving retrieves by have the real distribution: a padding of another scale or direction
 * would be always or never retrieved. Both matter: a model's retrieval vectors may all have
 * one length (the tiny demo model's are 8.94 long, within 0.01), and unscaled Gaussian
 * draws, longer than that half the time, took the top-1 answer of most queries with a padding
 * of 6%. QIDs are {@code synthetic-1}, {@code synthetic-2}, ...: none is a KB QID, so an answer
 * that changes to one is told apart.
 *
 * <p>The padded store is kept for the next run: a {@code padding.properties} beside it records
 * what it was made from, and a store made from the same build, model, size and seed is reused.
 */
final class PaddedIndex {
  static final String QID_PREFIX = "synthetic-";
  static final String BUILD_ID = "padded";
  private static final int BATCH = 256;
  private static final long PURPOSE_VECTOR = 11;
  private static final long PURPOSE_LENDER = 12;
  private static final String MARKER = "padding.properties";
  /** Names how synthetic entities are made: a store made another way is not reused. */
  private static final String GENERATOR = "gaussian-direction, lender's length and rerank, v1";

  private final List<String> realQids;
  private final double[] realNorms;
  private final float[] mean;
  /** The lower-triangular Cholesky factor of the real vectors' covariance, row-major. */
  private final double[][] factor;
  private final long seed;

  private PaddedIndex(List<String> realQids, double[] realNorms, float[] mean,
      double[][] factor, long seed) {
    this.realQids = realQids;
    this.realNorms = realNorms;
    this.mean = mean;
    this.factor = factor;
    this.seed = seed;
  }

  /**
   * The store at {@code dir} holding {@code source}'s entities (read by the QIDs {@code kbQids}
   * lists) and synthetic ones up to {@code entities}, made unless one made alike is there.
   */
  static EntityIndexStore open(EntityIndex source, String sourceBuildId, List<String> kbQids,
      int entities, long seed, Path dir, ProgressListener progress) throws IOException {
    Properties wanted = new Properties();
    wanted.setProperty("source_build", sourceBuildId);
    wanted.setProperty("model_version", source.modelVersion());
    wanted.setProperty("entities", Integer.toString(entities));
    wanted.setProperty("seed", Long.toString(seed));
    wanted.setProperty("generator", GENERATOR);
    Path marker = dir.resolve(MARKER);
    if (Files.isRegularFile(marker) && wanted.equals(read(marker))) {
      EmbeddedEntityIndexStore store = new EmbeddedEntityIndexStore(dir);
      if (store.liveBuildId().isPresent()) {
        progress.step(String.format(Locale.ROOT, "reusing the index padded to %,d entities in "
            + "%s (delete it to make it again)", entities, dir));
        return store;
      }
      store.close();
    }
    BenchSupport.deleteTree(dir);
    Files.createDirectories(dir);
    EmbeddedEntityIndexStore store = new EmbeddedEntityIndexStore(dir);
    try {
      build(source, kbQids, entities, seed, store, progress);
      try (Writer writer = Files.newBufferedWriter(marker, StandardCharsets.UTF_8)) {
        wanted.store(writer, "what mmel bench serving --scale padded this index from");
      }
      return store;
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  private static void build(EntityIndex source, List<String> kbQids, int entities, long seed,
      EntityIndexStore store, ProgressListener progress) {
    long held = source.count();
    if (held >= entities) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "--scale %,d: the index "
          + "already holds %,d entities; give a larger N", entities, held));
    }
    ProgressListener copying = progress.task("bench serving copy");
    copying.step(String.format(Locale.ROOT, "copying the %,d entities of the live build into "
        + "a padded index", held));
    List<String> real = new ArrayList<>();
    List<float[]> vectors = new ArrayList<>();
    try (EntityIndex build = store.openBuild(BUILD_ID, source.modelVersion(), source.schema())) {
      for (int from = 0; from < kbQids.size(); from += BATCH) {
        List<String> qids = kbQids.subList(from, Math.min(kbQids.size(), from + BATCH));
        Map<String, EncodedEntity> stored = source.entities(qids);
        List<EncodedEntity> rows = new ArrayList<>(stored.size());
        for (String qid : qids) {
          EncodedEntity entity = stored.get(qid);
          if (entity != null) {
            rows.add(entity);
            real.add(qid);
            vectors.add(entity.retrieval());
          }
        }
        build.upsert(rows);
        copying.count(Math.min(kbQids.size(), from + BATCH), kbQids.size(), "KB QIDs");
      }
      if (real.size() != held) {
        throw new IllegalStateException(String.format(Locale.ROOT, "--scale: the index holds "
            + "%,d entities, but only %,d of them are in the dataset's KB; --scale copies the "
            + "live build by the KB's QIDs, so index that KB (`mmel index build`)", held,
            real.size()));
      }
      PaddedIndex padding = fit(real, vectors, seed);
      int synthetic = entities - real.size();
      ProgressListener padding0 = progress.task("bench serving padding");
      padding0.step(String.format(Locale.ROOT, "adding %,d synthetic entities (a Gaussian fit "
          + "to the %,d real retrieval vectors, real rerank features)", synthetic, real.size()));
      for (int from = 0; from < synthetic; from += BATCH) {
        int to = Math.min(synthetic, from + BATCH);
        build.upsert(padding.entities(source, from, to));
        padding0.count(to, synthetic, "entities");
      }
      padding0.step("flush and publish");
      build.flush();
    }
    store.publish(BUILD_ID, PublishPolicy.defaults());
  }

  /** Mean and covariance of the real vectors, the covariance factored for sampling. */
  static PaddedIndex fit(List<String> realQids, List<float[]> vectors, long seed) {
    int n = vectors.size();
    int d = vectors.get(0).length;
    double[] mean = new double[d];
    for (float[] v : vectors) {
      for (int j = 0; j < d; j++) {
        mean[j] += v[j];
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= n;
    }
    double[][] covariance = new double[d][d];
    double[] centred = new double[d];
    for (float[] v : vectors) {
      for (int j = 0; j < d; j++) {
        centred[j] = v[j] - mean[j];
      }
      for (int a = 0; a < d; a++) {
        for (int b = 0; b <= a; b++) {
          covariance[a][b] += centred[a] * centred[b];
        }
      }
    }
    double trace = 0;
    for (int a = 0; a < d; a++) {
      for (int b = 0; b <= a; b++) {
        covariance[a][b] /= Math.max(1, n - 1);
        covariance[b][a] = covariance[a][b];
      }
      trace += covariance[a][a];
    }
    // A little ridge keeps the factorisation defined when the vectors span fewer than d axes.
    double ridge = 1e-6 * Math.max(trace / d, 1e-12);
    for (int a = 0; a < d; a++) {
      covariance[a][a] += ridge;
    }
    float[] meanF = new float[d];
    for (int j = 0; j < d; j++) {
      meanF[j] = (float) mean[j];
    }
    double[] norms = vectors.stream().mapToDouble(PaddedIndex::norm).toArray();
    return new PaddedIndex(List.copyOf(realQids), norms, meanF, cholesky(covariance), seed);
  }

  /** Synthetic entities {@code from..to-1}, rerank features read from {@code source}. */
  List<EncodedEntity> entities(EntityIndex source, int from, int to) {
    List<String> borrowed = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      borrowed.add(realQids.get(lender(i)));
    }
    Map<String, RerankFeatures> rerank = source.rerankFeatures(borrowed);
    List<EncodedEntity> rows = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      RerankFeatures features = rerank.get(borrowed.get(i - from));
      if (features == null) {
        throw new IllegalStateException(borrowed.get(i - from) + " vanished from the index");
      }
      rows.add(new EncodedEntity(record(i), vector(i), features));
    }
    return rows;
  }

  static EntityRecord record(int i) {
    return new EntityRecord(QID_PREFIX + (i + 1), "Synthetic entity " + (i + 1), List.of(),
        "synthetic entity of the mmel serving benchmark", "");
  }

  /** The real entity synthetic entity {@code i} borrows from. */
  int lender(int i) {
    return SyntheticEntities.stream(seed, PURPOSE_LENDER, i).nextInt(realQids.size());
  }

  float[] vector(int i) {
    SplittableRandom random = SyntheticEntities.stream(seed, PURPOSE_VECTOR, i);
    int d = mean.length;
    double[] z = new double[d];
    for (int j = 0; j < d; j++) {
      z[j] = random.nextGaussian();
    }
    double[] x = new double[d];
    for (int a = 0; a < d; a++) {
      double sum = mean[a];
      double[] row = factor[a];
      for (int b = 0; b <= a; b++) {
        sum += row[b] * z[b];
      }
      x[a] = sum;
    }
    double scale = realNorms[lender(i)] / Math.max(norm(x), 1e-30);
    float[] v = new float[d];
    for (int a = 0; a < d; a++) {
      v[a] = (float) (x[a] * scale);
    }
    return v;
  }

  static double norm(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    return Math.sqrt(sum);
  }

  private static double norm(double[] v) {
    double sum = 0;
    for (double x : v) {
      sum += x * x;
    }
    return Math.sqrt(sum);
  }

  /** L with L L^T = a, for a symmetric positive-definite a. */
  static double[][] cholesky(double[][] a) {
    int d = a.length;
    double[][] l = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j <= i; j++) {
        double sum = a[i][j];
        for (int k = 0; k < j; k++) {
          sum -= l[i][k] * l[j][k];
        }
        if (i == j) {
          if (sum <= 0) {
            throw new IllegalStateException("the covariance of the retrieval vectors is not "
                + "positive definite (pivot " + sum + " at " + i + ")");
          }
          l[i][i] = Math.sqrt(sum);
        } else {
          l[i][j] = sum / l[j][j];
        }
      }
    }
    return l;
  }

  private static Properties read(Path marker) throws IOException {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(marker, StandardCharsets.UTF_8)) {
      properties.load(reader);
    }
    return properties;
  }
}
