package dev.mmel.app.bench;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.RerankFeatures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Synthetic entities for `mmel bench-index`. Everything about entity {@code i} is a function of
 * (seed, i) alone, so every store gets identical data and the rerank features (20 KB an entity
 * at the real shapes) are regenerated batch by batch instead of held in memory.
 *
 * <p>Retrieval vectors. Isotropic Gaussian noise would be ANN's worst case, not the real one:
 * in high dimensions it makes every neighbour about equally far. Real embedding sets are
 * clustered, keep most of their variance in a few directions, and under inner product their
 * lengths differ. So entity {@code i}:
 * <ol>
 *   <li>picks one of {@code round(sqrt(n))} clusters, cluster {@code c} with weight
 *       {@code 1/sqrt(c+1)} (a few topics hold many entities);</li>
 *   <li>draws a latent point {@code z = centre_c + 0.5 g} in {@code r = min(64, d)} dimensions
 *       (centres and {@code g} standard Gaussian);</li>
 *   <li>maps it to {@code d} dimensions with a fixed random matrix whose column {@code j} is
 *       scaled by {@code 1/sqrt(j+1)} (a decaying spectrum), normalises, adds isotropic
 *       Gaussian noise of norm about 0.3, normalises again;</li>
 *   <li>takes a log-normal length {@code exp(0.2 g)}.</li>
 * </ol>
 * A query starts from a random entity's latent point, moves it by {@code 0.25 g} and is mapped
 * and noised the same way, at unit length (a query's length does not change its ranking).
 *
 * <p>Rerank features are uniform in [-0.05, 0.05]; records are short ("Synthetic entity 17"),
 * about the size of a WikiMEL name and description.
 */
final class SyntheticEntities implements BenchData {
  static final int LATENT_DIM = 64;
  private static final double WITHIN_CLUSTER = 0.5;
  private static final double QUERY_SHIFT = 0.25;
  private static final double NOISE = 0.3;
  private static final double LENGTH_SPREAD = 0.2;
  private static final float RERANK_RANGE = 0.05f;
  private static final long VECTORS = 1;
  private static final long QUERIES = 2;
  private static final long RERANK = 3;
  private static final long SHAPE = 4;

  private final long seed;
  private final int count;
  private final int dim;
  private final int queryCount;
  private final IndexSchema schema;
  private float[][] vectors;
  private final int latentDim;
  private final double[][] centres;
  private final double[] clusterCdf;
  /** Column j of the projection, already scaled by its spectrum weight. */
  private final float[][] projection;

  SyntheticEntities(long seed, int count, int dim, int queryCount, IndexSchema schema) {
    this.seed = seed;
    this.count = count;
    this.dim = dim;
    this.queryCount = queryCount;
    this.schema = schema;
    this.latentDim = Math.min(LATENT_DIM, dim);
    SplittableRandom shape = random(SHAPE, 0);
    int clusters = clusters(count);
    centres = new double[clusters][latentDim];
    for (double[] centre : centres) {
      for (int j = 0; j < latentDim; j++) {
        centre[j] = shape.nextGaussian();
      }
    }
    clusterCdf = new double[clusters];
    double total = 0;
    for (int c = 0; c < clusters; c++) {
      total += 1 / Math.sqrt(c + 1);
      clusterCdf[c] = total;
    }
    for (int c = 0; c < clusters; c++) {
      clusterCdf[c] /= total;
    }
    projection = new float[latentDim][dim];
    for (int j = 0; j < latentDim; j++) {
      double weight = 1 / Math.sqrt(j + 1);
      for (int i = 0; i < dim; i++) {
        projection[j][i] = (float) (weight * shape.nextGaussian());
      }
    }
  }

  static int clusters(int count) {
    return Math.max(1, (int) Math.round(Math.sqrt(count)));
  }

  static String qid(int entity) {
    return "Q" + (entity + 1);
  }

  @Override
  public int size() {
    return count;
  }

  @Override
  public IndexSchema schema() {
    return schema;
  }

  /** Every entity's retrieval vector, generated in parallel on first use. */
  @Override
  public synchronized float[][] vectors() {
    if (vectors == null) {
      float[][] generated = new float[count][];
      IntStream.range(0, count).parallel().forEach(i -> generated[i] = vector(i));
      vectors = generated;
    }
    return vectors;
  }

  @Override
  public float[][] queries() {
    float[][] out = new float[queryCount][];
    IntStream.range(0, queryCount).parallel().forEach(q -> {
      SplittableRandom random = random(QUERIES, q);
      double[] z = latent(random.nextInt(count));
      for (int j = 0; j < latentDim; j++) {
        z[j] += QUERY_SHIFT * random.nextGaussian();
      }
      out[q] = embed(z, random, 1);
    });
    return out;
  }

  @Override
  public List<EncodedEntity> entities(int from, int to) {
    float[][] all = vectors();
    List<EncodedEntity> entities = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      entities.add(new EncodedEntity(record(i), all[i], rerank(i, schema)));
    }
    return entities;
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "SYNTHETIC data, not WikiMEL: %,d entities, %d-d "
        + "retrieval vectors in %,d skewed Gaussian clusters on a %d-d latent subspace plus "
        + "isotropic noise, log-normal lengths; %,d queries near random entities; seed %d. "
        + "Rows also carry %,d fp16 rerank floats and a short record.", count, dim,
        clusters(count), latentDim, queryCount, seed, schema.rerankFloats());
  }

  @Override
  public EntityRecord record(int entity) {
    return new EntityRecord(qid(entity), "Synthetic entity " + (entity + 1), List.of(),
        "synthetic entity of the mmel index benchmark", "");
  }

  private RerankFeatures rerank(int entity, IndexSchema schema) {
    SplittableRandom random = random(RERANK, entity);
    int d = schema.hiddenDim();
    return new RerankFeatures(uniform(random, d), uniform(random, schema.textPositions() * d),
        uniform(random, d), uniform(random, schema.imagePositions() * d));
  }

  private static float[] uniform(SplittableRandom random, int length) {
    float[] values = new float[length];
    for (int i = 0; i < length; i++) {
      values[i] = (random.nextFloat() * 2 - 1) * RERANK_RANGE;
    }
    return values;
  }

  private float[] vector(int entity) {
    SplittableRandom random = random(VECTORS, entity);
    double[] z = latent(entity, random);
    return embed(z, random, Math.exp(LENGTH_SPREAD * random.nextGaussian()));
  }

  private double[] latent(int entity) {
    return latent(entity, random(VECTORS, entity));
  }

  /** The first draws of the entity's own stream, so a query can replay them. */
  private double[] latent(int entity, SplittableRandom random) {
    int cluster = Arrays.binarySearch(clusterCdf, random.nextDouble());
    cluster = Math.min(cluster < 0 ? -cluster - 1 : cluster, centres.length - 1);
    double[] z = new double[latentDim];
    for (int j = 0; j < latentDim; j++) {
      z[j] = centres[cluster][j] + WITHIN_CLUSTER * random.nextGaussian();
    }
    return z;
  }

  private float[] embed(double[] z, SplittableRandom random, double length) {
    double[] y = new double[dim];
    for (int j = 0; j < latentDim; j++) {
      float[] column = projection[j];
      double weight = z[j];
      for (int i = 0; i < dim; i++) {
        y[i] += weight * column[i];
      }
    }
    scale(y, 1 / norm(y));
    double noise = NOISE / Math.sqrt(dim);
    for (int i = 0; i < dim; i++) {
      y[i] += noise * random.nextGaussian();
    }
    scale(y, length / norm(y));
    float[] out = new float[dim];
    for (int i = 0; i < dim; i++) {
      out[i] = (float) y[i];
    }
    return out;
  }

  private static double norm(double[] v) {
    double sum = 0;
    for (double x : v) {
      sum += x * x;
    }
    return Math.sqrt(sum);
  }

  private static void scale(double[] v, double factor) {
    for (int i = 0; i < v.length; i++) {
      v[i] *= factor;
    }
  }

  /** An independent stream per (purpose, item), so items can be generated in any order. */
  private SplittableRandom random(long purpose, long item) {
    return stream(seed, purpose, item);
  }

  /** The stream of (seed, purpose, item): other synthetic data draws from these too. */
  static SplittableRandom stream(long seed, long purpose, long item) {
    return new SplittableRandom(mix(mix(seed) ^ mix(purpose * 0x9E3779B97F4A7C15L + item)));
  }

  /** SplitMix64's finaliser: nearby inputs give unrelated seeds. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
