package dev.mmel.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.SharedData;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model directory carries its tokenizer vocabulary, covered by the manifest like any file. */
class ModelDirectoryVocabularyTest {
  @Test
  void aNewModelHoldsTheVocabularyAndItsManifestGuardsIt(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("model");
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 1, SharedData.file(SharedData.CLIP_VOCAB), out);
    ModelDirectory model = new ModelDirectory(out);
    assertArrayEquals(Files.readAllBytes(SharedData.file(SharedData.CLIP_VOCAB)),
        Files.readAllBytes(model.tokenizerVocab()));
    assertTrue(Files.readString(model.manifest()).contains(ModelDirectory.VOCAB));
    model.verify();

    Files.write(model.vocab(), new byte[] {1, 2, 3});
    DamagedModelException changed = assertThrows(DamagedModelException.class, model::verify);
    assertTrue(changed.getMessage().contains(ModelDirectory.VOCAB
        + " is changed or damaged"), changed.getMessage());

    Files.delete(model.vocab());
    DamagedModelException missing = assertThrows(DamagedModelException.class, model::verify);
    assertTrue(missing.getMessage().contains(ModelDirectory.VOCAB + " is missing"),
        missing.getMessage());
    NoSuchFileException absent = assertThrows(NoSuchFileException.class, model::tokenizerVocab);
    assertTrue(absent.getMessage().contains("create it again with `mmel model init`"),
        absent.getMessage());
  }
}
