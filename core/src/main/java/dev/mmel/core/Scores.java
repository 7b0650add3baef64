package dev.mmel.core;

/**
 * Scores for rows x columns pairs, row-major: the total S and its per-modality parts (S_text,
 * S_image, S_cross; S = their mean). For candidate scoring a row is a mention and a column one of
 * its candidates; for pair scoring a column is an entity.
 */
public record Scores(int rows, int columns, float[] total, float[] text, float[] image,
    float[] cross) {

  public Scores {
    long expected = (long) rows * columns;
    EntityEncodings.check("score", total, expected);
    EntityEncodings.check("text_score", text, expected);
    EntityEncodings.check("image_score", image, expected);
    EntityEncodings.check("cross_score", cross, expected);
  }

  public float total(int row, int column) {
    return total[row * columns + column];
  }
}
