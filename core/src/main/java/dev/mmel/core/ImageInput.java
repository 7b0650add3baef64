package dev.mmel.core;

import java.nio.file.Path;

/** Where an item's image comes from: none, a file (the index jobs), or bytes (serving). */
public sealed interface ImageInput {

  static ImageInput none() {
    return None.INSTANCE;
  }

  static ImageInput file(Path path) {
    return new File(path);
  }

  static ImageInput bytes(byte[] data) {
    return new Bytes(data);
  }

  /** No image: the model feeds its missing-image input (spec section 1). */
  enum None implements ImageInput { INSTANCE }

  record File(Path path) implements ImageInput {
    public File {
      if (path == null) {
        throw new IllegalArgumentException("image path must not be null");
      }
    }
  }

  /** Encoded image bytes (JPEG, PNG, ...). */
  record Bytes(byte[] data) implements ImageInput {
    public Bytes {
      if (data == null || data.length == 0) {
        throw new IllegalArgumentException("image bytes must not be empty");
      }
    }
  }
}
