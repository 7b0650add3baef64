package dev.mmel.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.data.DatasetFormat;
import dev.mmel.model.data.DatasetOrigin;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TrainingPresetTest {
  /** A directory whose name says WikiMEL, which must not matter. */
  private static final Path DIR = Path.of("/data/wikimel");

  private static DatasetOrigin declaring(String name) {
    return new DatasetOrigin(DIR, DatasetFormat.JSONL, name, "dataset.json");
  }

  @Test
  void spec7sValues() {
    assertEquals(5e-6, TrainingPreset.WIKIMEL.learningRate());
    assertEquals(3, TrainingPreset.WIKIMEL.topK());
    assertEquals(1e-5, TrainingPreset.RICHPEDIAMEL.learningRate());
    assertEquals(4, TrainingPreset.RICHPEDIAMEL.topK());
    assertEquals(1e-5, TrainingPreset.WIKIDIVERSE.learningRate());
    assertEquals(2, TrainingPreset.WIKIDIVERSE.topK());
    assertEquals(1e-5, TrainingPreset.NONE.learningRate());
    assertEquals(5e-6,
        TrainingPreset.WIKIMEL.schedule().build().optimiser().learningRate());
  }

  @Test
  void theDeclaredNameDecidesInAnySpelling() {
    assertEquals(TrainingPreset.WIKIMEL, TrainingPreset.resolve(null,
        new DatasetOrigin(DIR, DatasetFormat.WIKIMEL, "wikimel", "the WIKIMEL format")));
    assertEquals(TrainingPreset.RICHPEDIAMEL, TrainingPreset.resolve(null,
        declaring("RICHPEDIAMEL")));
    assertEquals(TrainingPreset.WIKIDIVERSE, TrainingPreset.resolve(null,
        declaring("Wiki-Diverse")));
    assertEquals(Optional.empty(), TrainingPreset.ofDatasetName("none"));
    assertEquals(TrainingPreset.NONE, TrainingPreset.resolve(TrainingPreset.NONE,
        declaring("WikiMEL")), "an explicit preset wins");
  }

  @Test
  void anUnnamedOrUnknownDatasetIsRefusedWhateverItsDirectory() {
    IllegalArgumentException unnamed = assertThrows(IllegalArgumentException.class,
        () -> TrainingPreset.resolve(null, new DatasetOrigin(DIR, DatasetFormat.JSONL, null,
            null)));
    assertTrue(unnamed.getMessage().contains("declares no name"), unnamed.getMessage());
    assertTrue(unnamed.getMessage().contains("dataset.json"), unnamed.getMessage());
    assertTrue(unnamed.getMessage().contains("--preset wikimel|richpediamel|wikidiverse|none"),
        unnamed.getMessage());

    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> TrainingPreset.resolve(null, declaring("news-2024")));
    assertTrue(unknown.getMessage().contains("dataset 'news-2024' (named by dataset.json) is "
        + "not WikiMEL, RichpediaMEL or WikiDiverse"), unknown.getMessage());
  }

  @Test
  void parsesTheCommandLineSpelling() {
    assertEquals(TrainingPreset.WIKIDIVERSE, TrainingPreset.parse("WikiDiverse"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainingPreset.parse("wiki"));
    assertEquals("--preset must be one of wikimel|richpediamel|wikidiverse|none, got 'wiki'",
        e.getMessage());
  }
}
