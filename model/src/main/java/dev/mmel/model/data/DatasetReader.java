package dev.mmel.model.data;

import java.io.IOException;
import java.nio.file.Path;

/** One dataset layout: whether a directory has its files, and how to read it. */
interface DatasetReader {
  /** The files this layout needs, for error messages. */
  String expects();

  boolean matches(Path dir);

  LinkingDataset read(Path dir) throws IOException;
}
