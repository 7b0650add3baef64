package dev.mmel.model.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.mmel.model.config.InputPreprocessing;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.graph.SideBatch;
import dev.mmel.model.image.ImagePreprocessor;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.text.ClipTokenizer;
import dev.mmel.model.text.LinkingTexts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenSideSourceTest {

  @TempDir
  Path dir;

  @Test
  void forModelPreparesInputsAsTheConfigSays() throws Exception {
    Path vocab = SharedData.file(SharedData.CLIP_VOCAB);
    Path image;
    try (Stream<Path> files = Files.list(SharedData.file("wikimel/images"))) {
      image = files.sorted().findFirst().orElseThrow();
    }
    // A curly apostrophe: only OpenAI's normalisation straightens it.
    KbEntity entity = new KbEntity("Q1", "Domingo’s father", List.of(), "singer", image.toString());

    ModelConfig reference = ModelPresets.get(ModelPresets.TINY);
    ModelConfig unrecorded = reference.withPreprocessing(InputPreprocessing.UNRECORDED);
    SideBatch.Tokens fromReference = assertPreparedAsConfigured(reference, vocab, entity, image);
    SideBatch.Tokens fromUnrecorded = assertPreparedAsConfigured(unrecorded, vocab, entity, image);

    assertFalse(Arrays.equals(fromReference.ids()[0], fromUnrecorded.ids()[0]));
    assertFalse(Arrays.equals(fromReference.pixels()[0], fromUnrecorded.pixels()[0]));
  }

  private SideBatch.Tokens assertPreparedAsConfigured(ModelConfig config, Path vocab,
      KbEntity entity, Path image) throws Exception {
    Path modelDir = dir.resolve(config.preprocessing().image().id());
    ModelCreator.initRandom(config, 1, vocab, modelDir);
    SideBatch.Tokens batch = (SideBatch.Tokens)
        TokenSideSource.forModel(new ModelDirectory(modelDir)).entities(List.of(entity));
    String text = LinkingTexts.entity(entity.name(), entity.description());
    assertArrayEquals(ClipTokenizer.load(vocab, config.preprocessing().text())
        .encodePadded(text, config.contextLength()), batch.ids()[0]);
    assertArrayEquals(ImagePreprocessor.forConfig(config).preprocess(image), batch.pixels()[0]);
    return batch;
  }
}
