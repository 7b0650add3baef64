package dev.mmel.model.eval;

import dev.mmel.model.graph.EvaluationGraph;
import java.util.List;

/** Concatenating and gathering rows of per-item encodings (flat row-major arrays). */
final class Rows {
  private Rows() {}

  static EvaluationGraph.Mentions concatMentions(List<EvaluationGraph.Mentions> blocks) {
    int n = blocks.stream().mapToInt(EvaluationGraph.Mentions::count).sum();
    return new EvaluationGraph.Mentions(n,
        concat(blocks.stream().map(EvaluationGraph.Mentions::query).toList()),
        concat(blocks.stream().map(EvaluationGraph.Mentions::textKey).toList()),
        concat(blocks.stream().map(EvaluationGraph.Mentions::textValue).toList()),
        concat(blocks.stream().map(EvaluationGraph.Mentions::imageKey).toList()),
        concat(blocks.stream().map(EvaluationGraph.Mentions::imageValue).toList()),
        concat(blocks.stream().map(EvaluationGraph.Mentions::localSummary).toList()));
  }

  static EvaluationGraph.Entities concatEntities(List<EvaluationGraph.Entities> blocks) {
    int n = blocks.stream().mapToInt(EvaluationGraph.Entities::count).sum();
    return new EvaluationGraph.Entities(n,
        concat(blocks.stream().map(EvaluationGraph.Entities::retrieval).toList()),
        concat(blocks.stream().map(EvaluationGraph.Entities::textC).toList()),
        concat(blocks.stream().map(EvaluationGraph.Entities::textQuery).toList()),
        concat(blocks.stream().map(EvaluationGraph.Entities::imageC).toList()),
        concat(blocks.stream().map(EvaluationGraph.Entities::imageQuery).toList()),
        concat(blocks.stream().map(EvaluationGraph.Entities::localSummary).toList()));
  }

  static EvaluationGraph.Mentions mentionRows(EvaluationGraph.Mentions all, int[] rows) {
    int n = all.count();
    return new EvaluationGraph.Mentions(rows.length, gather(all.query(), n, rows),
        gather(all.textKey(), n, rows), gather(all.textValue(), n, rows),
        gather(all.imageKey(), n, rows), gather(all.imageValue(), n, rows),
        gather(all.localSummary(), n, rows));
  }

  static EvaluationGraph.Entities entityRows(EvaluationGraph.Entities all, int[] rows) {
    int n = all.count();
    return new EvaluationGraph.Entities(rows.length, gather(all.retrieval(), n, rows),
        gather(all.textC(), n, rows), gather(all.textQuery(), n, rows),
        gather(all.imageC(), n, rows), gather(all.imageQuery(), n, rows),
        gather(all.localSummary(), n, rows));
  }

  private static float[] concat(List<float[]> parts) {
    int total = parts.stream().mapToInt(p -> p.length).sum();
    float[] out = new float[total];
    int offset = 0;
    for (float[] part : parts) {
      System.arraycopy(part, 0, out, offset, part.length);
      offset += part.length;
    }
    return out;
  }

  private static float[] gather(float[] values, int count, int[] rows) {
    int width = values.length / count;
    float[] out = new float[rows.length * width];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(values, rows[i] * width, out, i * width, width);
    }
    return out;
  }
}
