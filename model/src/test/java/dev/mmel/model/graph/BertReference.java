package dev.mmel.model.graph;

import dev.mmel.model.config.BertTextConfig;
import dev.mmel.model.params.ParameterNames;
import dev.mmel.model.weights.SafetensorsFile;
import java.io.IOException;

/**
 * Hugging Face BertModel's forward pass written out plainly in doubles, for one unpadded
 * sequence (attention_mask all ones, token types 0): an independent restatement the graph is
 * checked against. Returns the last hidden states [length][width].
 */
final class BertReference {
  private final SafetensorsFile weights;
  private final BertTextConfig config;

  BertReference(SafetensorsFile weights, BertTextConfig config) {
    this.weights = weights;
    this.config = config;
  }

  double[][] hiddenStates(int[] ids) throws IOException {
    int width = config.width();
    String e = ParameterNames.BERT_EMBEDDINGS;
    float[] words = weights.readFloats(e + "word_embeddings.weight");
    float[] positions = weights.readFloats(e + "position_embeddings.weight");
    float[] types = weights.readFloats(e + "token_type_embeddings.weight");
    double[][] x = new double[ids.length][width];
    for (int t = 0; t < ids.length; t++) {
      for (int c = 0; c < width; c++) {
        x[t][c] = words[ids[t] * width + c] + positions[t * width + c] + types[c];
      }
    }
    x = layerNorm(x, e + "LayerNorm");
    for (int i = 0; i < config.layers(); i++) {
      String p = ParameterNames.bertLayer(i);
      double[][] attended = linear(attention(linear(x, p + "attention.self.query"),
          linear(x, p + "attention.self.key"), linear(x, p + "attention.self.value")),
          p + "attention.output.dense");
      x = layerNorm(add(x, attended), p + "attention.output.LayerNorm");
      double[][] inner = linear(x, p + "intermediate.dense");
      for (double[] row : inner) {
        for (int c = 0; c < row.length; c++) {
          row[c] = 0.5 * row[c] * (1 + erf(row[c] / Math.sqrt(2)));
        }
      }
      x = layerNorm(add(x, linear(inner, p + "output.dense")), p + "output.LayerNorm");
    }
    return x;
  }

  private double[][] attention(double[][] q, double[][] k, double[][] v) {
    int heads = config.heads();
    int dim = config.width() / heads;
    int n = q.length;
    double[][] out = new double[n][config.width()];
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < n; i++) {
        double[] logits = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
          for (int c = h * dim; c < (h + 1) * dim; c++) {
            logits[j] += q[i][c] * k[j][c];
          }
          logits[j] /= Math.sqrt(dim);
          max = Math.max(max, logits[j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
          logits[j] = Math.exp(logits[j] - max);
          sum += logits[j];
        }
        for (int j = 0; j < n; j++) {
          for (int c = h * dim; c < (h + 1) * dim; c++) {
            out[i][c] += logits[j] / sum * v[j][c];
          }
        }
      }
    }
    return out;
  }

  /** x W^T + b with W stored [out, in]. */
  private double[][] linear(double[][] x, String prefix) throws IOException {
    float[] w = weights.readFloats(prefix + ".weight");
    float[] b = weights.readFloats(prefix + ".bias");
    int in = x[0].length;
    double[][] out = new double[x.length][b.length];
    for (int t = 0; t < x.length; t++) {
      for (int o = 0; o < b.length; o++) {
        double sum = b[o];
        for (int c = 0; c < in; c++) {
          sum += x[t][c] * w[o * in + c];
        }
        out[t][o] = sum;
      }
    }
    return out;
  }

  private double[][] layerNorm(double[][] x, String prefix) throws IOException {
    float[] gamma = weights.readFloats(prefix + ".weight");
    float[] beta = weights.readFloats(prefix + ".bias");
    double[][] out = new double[x.length][];
    for (int t = 0; t < x.length; t++) {
      double mean = 0;
      for (double v : x[t]) {
        mean += v / x[t].length;
      }
      double variance = 0;
      for (double v : x[t]) {
        variance += (v - mean) * (v - mean) / x[t].length;
      }
      out[t] = new double[x[t].length];
      for (int c = 0; c < x[t].length; c++) {
        out[t][c] = (x[t][c] - mean) / Math.sqrt(variance + config.layerNormEps()) * gamma[c]
            + beta[c];
      }
    }
    return out;
  }

  private static double[][] add(double[][] a, double[][] b) {
    double[][] out = new double[a.length][a[0].length];
    for (int t = 0; t < a.length; t++) {
      for (int c = 0; c < a[t].length; c++) {
        out[t][c] = a[t][c] + b[t][c];
      }
    }
    return out;
  }

  /**
   * Java has no erf: its Taylor series below 2.5, erfc's continued fraction above, both within
   * 1e-15 of the exact value over the range GELU meets.
   */
  private static double erf(double x) {
    double t = Math.abs(x);
    double result;
    if (t < 2.5) {
      double term = t;
      double sum = t;
      for (int n = 1; n < 60; n++) {
        term *= -t * t / n;
        sum += term / (2 * n + 1);
      }
      result = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      double fraction = 0;
      for (int n = 60; n >= 1; n--) {
        fraction = n / 2.0 / (t + fraction);
      }
      result = 1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + fraction);
    }
    return Math.copySign(result, x);
  }
}
