package dev.mmel.serving.grpc;

import com.google.protobuf.ByteString;
import dev.mmel.core.ImageInput;
import dev.mmel.core.MentionInput;
import dev.mmel.proto.v1.EntityFilter;
import dev.mmel.proto.v1.LinkOptions;
import dev.mmel.proto.v1.Mention;
import dev.mmel.serving.link.LinkRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/**
 * Checks a mention of a call against the server's limits, naming every field at fault at once,
 * and turns a valid one into a {@link LinkRequest}.
 */
public final class MentionRequests {
  private static final Pattern QID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
  private static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  private final ServingLimits limits;

  public MentionRequests(ServingLimits limits) {
    this.limits = limits;
  }

  public ServingLimits limits() {
    return limits;
  }

  /** What is wrong with the mention, each violation naming {@code prefix} + its field. */
  public List<FieldViolation> check(Mention mention, String prefix) {
    List<FieldViolation> violations = new ArrayList<>();
    if (mention.getSurface().isBlank()) {
      violations.add(new FieldViolation(prefix + "surface", "is required and must not be "
          + "blank"));
    }
    text(violations, prefix + "surface", mention.getSurface(), limits.maxSurfaceBytes());
    text(violations, prefix + "sentence", mention.getSentence(), limits.maxSentenceBytes());
    text(violations, prefix + "description", mention.getDescription(),
        limits.maxDescriptionBytes());
    image(violations, prefix + "image", mention.getImage());
    options(violations, prefix + "options.", mention.getOptions());
    return violations;
  }

  /** A valid mention (see {@link #check}) as the linker takes it. */
  public LinkRequest toRequest(Mention mention, Instant deadline) {
    LinkOptions options = mention.getOptions();
    int topK = options.getTopK() == 0 ? limits.defaultTopK() : options.getTopK();
    int candidatesK = options.getCandidatesK() == 0
        ? Math.max(limits.defaultCandidatesK(), topK) : options.getCandidatesK();
    EntityFilter filter = options.getFilter();
    dev.mmel.retriever.EntityFilter entityFilter = new dev.mmel.retriever.EntityFilter(
        filter.getOnlyQidsCount() == 0 ? null : new HashSet<>(filter.getOnlyQidsList()),
        new HashSet<>(filter.getExcludedQidsList()));
    return new LinkRequest(
        new MentionInput(mention.getSurface(), mention.getSentence(), mention.getDescription(),
            mention.getImage().isEmpty() ? ImageInput.none()
                : ImageInput.bytes(mention.getImage().toByteArray())),
        new dev.mmel.serving.link.LinkOptions(topK, candidatesK, entityFilter,
            options.hasNilThreshold() ? OptionalDouble.of(options.getNilThreshold())
                : OptionalDouble.empty(), options.getDebug()),
        deadline);
  }

  private static void text(List<FieldViolation> violations, String field, String value,
      int maxBytes) {
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxBytes) {
      violations.add(new FieldViolation(field, "is " + bytes + " bytes of UTF-8; at most "
          + maxBytes));
    }
  }

  private void image(List<FieldViolation> violations, String field, ByteString image) {
    if (image.isEmpty()) {
      return;
    }
    if (image.size() > limits.maxImageBytes()) {
      violations.add(new FieldViolation(field, "is " + image.size() + " bytes; at most "
          + limits.maxImageBytes()));
    } else if (!startsWith(image, JPEG) && !startsWith(image, PNG)) {
      violations.add(new FieldViolation(field, "must be a JPEG or PNG image (its first bytes "
          + "are neither's signature)"));
    }
  }

  private void options(List<FieldViolation> violations, String prefix, LinkOptions options) {
    int topK = options.getTopK();
    if (topK < 0 || topK > limits.maxTopK()) {
      violations.add(new FieldViolation(prefix + "top_k", "must be within 0.." + limits.maxTopK()
          + " (0 = the default, " + limits.defaultTopK() + "), got " + Integer.toUnsignedString(topK)));
    }
    int candidatesK = options.getCandidatesK();
    int effectiveTopK = topK == 0 ? limits.defaultTopK() : topK;
    if (candidatesK < 0 || candidatesK > limits.maxCandidatesK()
        || (candidatesK != 0 && candidatesK < effectiveTopK)) {
      violations.add(new FieldViolation(prefix + "candidates_k", "must be 0 (the default, "
          + limits.defaultCandidatesK() + ") or within top_k.." + limits.maxCandidatesK()
          + ", got " + Integer.toUnsignedString(candidatesK)));
    }
    if (options.hasNilThreshold() && !Float.isFinite(options.getNilThreshold())) {
      violations.add(new FieldViolation(prefix + "nil_threshold", "must be a finite number, "
          + "got " + options.getNilThreshold()));
    }
    EntityFilter filter = options.getFilter();
    qids(violations, prefix + "filter.only_qids", filter.getOnlyQidsList());
    qids(violations, prefix + "filter.excluded_qids", filter.getExcludedQidsList());
  }

  private void qids(List<FieldViolation> violations, String field, List<String> qids) {
    if (qids.size() > limits.maxFilterQids()) {
      violations.add(new FieldViolation(field, "holds " + qids.size() + " QIDs; at most "
          + limits.maxFilterQids()));
      return;
    }
    for (int i = 0; i < qids.size(); i++) {
      if (!QID.matcher(qids.get(i)).matches()) {
        violations.add(new FieldViolation(field + "[" + i + "]", "must be 1..64 letters, "
            + "digits or _.:- (e.g. Q42)"));
        return;
      }
    }
  }

  private static boolean startsWith(ByteString bytes, byte[] prefix) {
    if (bytes.size() < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (bytes.byteAt(i) != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
