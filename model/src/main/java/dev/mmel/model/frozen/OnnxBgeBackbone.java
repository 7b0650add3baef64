package dev.mmel.model.frozen;

import dev.mmel.model.bge.BgeFeatures;
import dev.mmel.model.bge.BgeSmallEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** The int8 bge-small ONNX model, each text run alone on one of {@code threads} workers. */
public final class OnnxBgeBackbone implements FrozenBackbone {
  private final BgeSmallEncoder encoder;
  private final ExecutorService pool;
  private final int threads;

  private OnnxBgeBackbone(BgeSmallEncoder encoder, int threads) {
    this.encoder = encoder;
    this.threads = threads;
    this.pool = Executors.newFixedThreadPool(threads);
  }

  public static OnnxBgeBackbone open(int positions, int threads) {
    // Each text runs alone (see BgeSmallEncoder), so parallel single-threaded calls use the
    // cores better than one multi-threaded call.
    return new OnnxBgeBackbone(BgeSmallEncoder.open(positions, 1), threads);
  }

  @Override
  public String id() {
    return encoder.modelId();
  }

  @Override
  public int width() {
    return BgeSmallEncoder.WIDTH;
  }

  @Override
  public int positions() {
    return encoder.positions();
  }

  @Override
  // No model directory runs the int8 ONNX model, so its features are never served.
  public boolean servedAsExported() {
    return false;
  }

  @Override
  public BgeFeatures encode(List<String> texts) {
    int per = (texts.size() + threads - 1) / threads;
    List<Future<BgeFeatures>> futures = new ArrayList<>();
    for (int start = 0; start < texts.size(); start += per) {
      List<String> part = texts.subList(start, Math.min(texts.size(), start + per));
      futures.add(pool.submit(() -> encoder.encode(part)));
    }
    int width = width();
    int positions = positions();
    float[] pooled = new float[texts.size() * width];
    float[] tokens = new float[texts.size() * positions * width];
    int row = 0;
    for (Future<BgeFeatures> future : futures) {
      BgeFeatures f;
      try {
        f = future.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while encoding", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("bge-small encoding failed: " + e.getCause(), e.getCause());
      }
      System.arraycopy(f.pooled(), 0, pooled, row * width, f.pooled().length);
      System.arraycopy(f.tokens(), 0, tokens, row * positions * width, f.tokens().length);
      row += f.count();
    }
    return new BgeFeatures(texts.size(), positions, width, pooled, tokens);
  }

  @Override
  public void close() {
    pool.shutdownNow();
    encoder.close();
  }
}
