package dev.mmel.app.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.mmel.core.ImageInput;
import dev.mmel.core.MentionInput;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.data.LinkingDataset;
import dev.mmel.proto.v1.LinkEntityRequest;
import dev.mmel.proto.v1.LinkOptions;
import dev.mmel.proto.v1.Mention;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The mentions `mmel bench serving` links: the first mentions of a dataset split (WikiMEL test
 * by default), each as a LinkEntity request (surface, sentence, its photo when the dataset has
 * one, no description, the bench's candidates_k), as the same mention for the model directly,
 * and with its gold QID.
 */
record ServingQueries(String source, List<LinkEntityRequest> requests,
    List<MentionInput> inputs, List<String> gold, int withImage) {

  static ServingQueries of(LinkingDataset dataset, String split, int limit, int candidatesK)
      throws IOException {
    List<LabelledMention> mentions = dataset.split(split);
    if (mentions.isEmpty()) {
      throw new IllegalArgumentException("split " + split + " of " + dataset.name()
          + " has no mentions to send");
    }
    mentions = mentions.subList(0, Math.min(limit, mentions.size()));
    List<LinkEntityRequest> requests = new ArrayList<>(mentions.size());
    List<MentionInput> inputs = new ArrayList<>(mentions.size());
    List<String> gold = new ArrayList<>(mentions.size());
    int withImage = 0;
    for (LabelledMention m : mentions) {
      Mention.Builder mention = Mention.newBuilder().setSurface(m.mention())
          .setSentence(m.sentence())
          .setOptions(LinkOptions.newBuilder().setCandidatesK(candidatesK));
      ImageInput image = ImageInput.none();
      if (m.imagePath() != null) {
        byte[] bytes = Files.readAllBytes(m.imagePath());
        mention.setImage(ByteString.copyFrom(bytes));
        image = ImageInput.bytes(bytes);
        withImage++;
      }
      requests.add(LinkEntityRequest.newBuilder().setMention(mention).build());
      inputs.add(new MentionInput(m.mention(), m.sentence(), "", image));
      gold.add(m.answerQid());
    }
    return new ServingQueries(dataset.name() + " " + split, List.copyOf(requests),
        List.copyOf(inputs), List.copyOf(gold), withImage);
  }

  int size() {
    return requests.size();
  }

  /** The requests as one JSON array (the proto JSON mapping), ghz's --data-file. */
  Path writeJson(Path file) throws IOException {
    JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();
    try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      writer.write('[');
      for (int i = 0; i < requests.size(); i++) {
        if (i > 0) {
          writer.write(",\n");
        }
        writer.write(json(printer, requests.get(i)));
      }
      writer.write("]\n");
    }
    return file;
  }

  private static String json(JsonFormat.Printer printer, LinkEntityRequest request) {
    try {
      return printer.print(request);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print a request as JSON: " + e.getMessage(), e);
    }
  }
}
