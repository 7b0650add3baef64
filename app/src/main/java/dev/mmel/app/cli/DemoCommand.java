package dev.mmel.app.cli;

import dev.mmel.core.EntityEncodings;
import dev.mmel.core.MentionEncodings;
import dev.mmel.core.Scores;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.data.WikiMel;
import dev.mmel.model.image.ImagePreprocessor;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.model.text.LinkingTexts;
import dev.mmel.model.text.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Links real WikiMEL mentions against a few real KB entities.",
        "Scores real WikiMEL mentions against their gold entities plus random distractors, "
        + "through the full MMoE path (tokenizer, image preprocessing, entity and mention "
        + "encoding, S = F + I scoring): first those whose real image the shared data holds "
        + "(all from the train and dev splits), then test mentions.",
        "Without --model it creates a tiny model with RANDOM weights, so rankings are at chance "
        + "level: the demo shows the working path, not accuracy."})
public final class DemoCommand extends MmelCommand {
  @Mixin
  ModelOption model;

  @Option(names = "--mentions", defaultValue = "8", description = "Mentions to link (default 8).")
  int mentions;

  @Option(names = "--distractors", defaultValue = "24",
      description = "Random KB entities added to the gold ones (default 24).")
  int distractors;

  @Option(names = "--seed", defaultValue = "43", description = "Sampling seed (default 43).")
  long seed;

  @Override
  public Integer call() throws Exception {
    if (mentions < 1 || mentions > 1000) {
      throw new IllegalArgumentException("--mentions must be in [1, 1000], got " + mentions);
    }
    if (distractors < 0 || distractors > 4000) {
      throw new IllegalArgumentException("--distractors must be in [0, 4000], got " + distractors);
    }
    ConsoleProgress progress = progress("demo");
    Path dir = model.resolve(progress);
    progress.step("loading WikiMEL from " + SharedData.root().resolve("wikimel"));
    WikiMel wikimel = WikiMel.load(SharedData.file("wikimel"));
    ModelDirectory directory = new ModelDirectory(dir);
    ModelConfig config = directory.readConfig();
    TextTokenizer tokenizer =
        directory.tokenizer();
    ImagePreprocessor images = ImagePreprocessor.forConfig(config);

    List<WikiMel.Mention> picked = pickMentions(wikimel);
    List<String> qids = pickEntities(wikimel, picked);

    try (MmoeModel mmoe = MmoeModel.load(dir, SessionSettings.defaults())) {
      int length = mmoe.config().contextLength();
      progress.step("model " + mmoe.version() + " (" + mmoe.config().name() + "); encoding "
          + qids.size() + " entities");
      int[][] entityIds = tokenizer.encodeBatch(qids.stream()
          .map(q -> LinkingTexts.entity(wikimel.name(q), wikimel.abstractOf(q))).toList(), length);
      long t0 = System.nanoTime();
      EntityEncodings entities = mmoe.encodeEntities(entityIds, null);
      double entitySeconds = (System.nanoTime() - t0) / 1e9;

      int[][] mentionIds = tokenizer.encodeBatch(picked.stream()
          .map(m -> LinkingTexts.mention(m.surface(), m.sentence(), "")).toList(), length);
      float[][] pixels = new float[picked.size()][];
      int withImage = 0;
      for (int i = 0; i < picked.size(); i++) {
        if (picked.get(i).imagePath() != null) {
          pixels[i] = images.preprocess(picked.get(i).imagePath());
          withImage++;
        }
      }
      progress.step("encoding " + picked.size() + " mentions (" + withImage + " with an image)");
      t0 = System.nanoTime();
      MentionEncodings encoded = mmoe.encodeMentions(mentionIds, pixels);
      double mentionSeconds = (System.nanoTime() - t0) / 1e9;

      int hits = 0;
      double reciprocal = 0;
      long scoringNanos = 0;
      for (int b = 0; b < picked.size(); b++) {
        WikiMel.Mention mention = picked.get(b);
        long s0 = System.nanoTime();
        Scores scores = mmoe.scoreCandidates(encoded.rows(b, b + 1), entities, qids.size());
        scoringNanos += System.nanoTime() - s0;
        Integer[] order = IntStream.range(0, qids.size()).boxed()
            .sorted(Comparator.comparingDouble(n -> -scores.total(0, n))).toArray(Integer[]::new);
        int goldRank = 1 + List.of(order).indexOf(qids.indexOf(mention.goldQid()));
        hits += goldRank == 1 ? 1 : 0;
        reciprocal += 1.0 / goldRank;
        out().printf(Locale.ROOT, "%n\"%s\" in: %s%s%n", mention.surface(),
            abbreviate(mention.sentence(), 90), mention.imagePath() != null ? "  [image]" : "");
        out().printf(Locale.ROOT, "  gold %s (%s), ranked %d of %d%n", mention.goldQid(),
            wikimel.name(mention.goldQid()), goldRank, qids.size());
        for (int r = 0; r < 3 && r < order.length; r++) {
          int n = order[r];
          out().printf(Locale.ROOT,
              "  %d. %-10s %-34s S=%+.4f  text=%+.4f image=%+.4f cross=%+.4f%n", r + 1,
              qids.get(n), abbreviate(wikimel.name(qids.get(n)), 34), scores.total(0, n),
              scores.text()[n], scores.image()[n], scores.cross()[n]);
        }
      }
      out().printf(Locale.ROOT, "%nlinked %d mentions against %d entities: H@1 %.3f, MRR "
              + "%.3f (chance: H@1 %.3f)%n", picked.size(), qids.size(),
          hits / (double) picked.size(), reciprocal / picked.size(), 1.0 / qids.size());
      out().printf(Locale.ROOT, "entity encoding %.1f items/s, mention encoding %.1f "
              + "items/s, scoring %.2f ms per mention against %d candidates%n",
          qids.size() / entitySeconds, picked.size() / mentionSeconds,
          scoringNanos / 1e6 / picked.size(), qids.size());
      if (!model.given()) {
        out().println("(random tiny model: no trained accuracy; what signal there is comes from words the mention and entity texts share)");
      }
    }
    return 0;
  }

  /**
   * Up to half the mentions from those with a real image (the shared data has images of train
   * and dev samples only), the rest a seeded sample of the test split.
   */
  private List<WikiMel.Mention> pickMentions(WikiMel wikimel) {
    List<WikiMel.Mention> withImage = new ArrayList<>();
    for (String split : List.of("train", "dev", "test")) {
      wikimel.mentions(split).stream().filter(m -> m.imagePath() != null)
          .forEach(withImage::add);
    }
    Collections.shuffle(withImage, new Random(seed));
    List<WikiMel.Mention> picked = new ArrayList<>(
        withImage.subList(0, Math.min(withImage.size(), (mentions + 1) / 2)));
    List<WikiMel.Mention> test = new ArrayList<>(wikimel.mentions("test"));
    Collections.shuffle(test, new Random(seed + 2));
    test.stream().filter(m -> m.imagePath() == null).limit(mentions - picked.size())
        .forEach(picked::add);
    return picked;
  }

  private List<String> pickEntities(WikiMel wikimel, List<WikiMel.Mention> picked) {
    Set<String> chosen = new LinkedHashSet<>();
    picked.forEach(m -> chosen.add(m.goldQid()));
    List<String> all = new ArrayList<>(wikimel.names().keySet());
    Random random = new Random(seed + 1);
    int target = chosen.size() + Math.min(distractors, all.size() - chosen.size());
    while (chosen.size() < target) {
      chosen.add(all.get(random.nextInt(all.size())));
    }
    return new ArrayList<>(chosen);
  }


  private static String abbreviate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 3) + "...";
  }
}
