package dev.mmel.model.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A fingerprint of a KB's content as ranking sees it (QIDs in order, names, aliases,
 * descriptions), so two evaluations can tell whether they ranked against the same KB. Image
 * paths are left out: the same images copied elsewhere are the same KB.
 */
public final class KbDigest {
  private KbDigest() {}

  /** Hex SHA-256. */
  public static String of(List<KbEntity> kb) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
    for (KbEntity entity : kb) {
      // Control-character separators, which names and descriptions do not hold, so text moved
      // from one field into the next changes the digest.
      String record = String.join("\u001f", entity.qid(), entity.name(),
          String.join("\u001e", entity.aliases()), entity.description()) + "\n";
      digest.update(record.getBytes(StandardCharsets.UTF_8));
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
