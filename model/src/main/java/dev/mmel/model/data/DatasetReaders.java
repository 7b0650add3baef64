package dev.mmel.model.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Opens a labelled dataset directory in any supported layout. Malformed records are skipped and
 * listed in the report; only a missing required file or one that is not JSON at all is fatal.
 */
public final class DatasetReaders {
  private DatasetReaders() {}

  public static LinkingDataset open(Path location, DatasetFormat format) throws IOException {
    if (!Files.exists(location)) {
      throw new NoSuchFileException(location.toString(), null, "dataset directory not found");
    }
    if (!Files.isDirectory(location)) {
      throw new NotDirectoryException(location + " (a dataset is a directory; "
          + describeAll() + ")");
    }
    Map<DatasetFormat, DatasetReader> readers = readers();
    if (format != DatasetFormat.AUTO) {
      return readers.get(format).read(location);
    }
    for (DatasetReader reader : readers.values()) {
      if (reader.matches(location)) {
        return reader.read(location);
      }
    }
    throw new IOException(location + " matches no dataset format: " + describeAll());
  }

  /** In AUTO's order of preference. */
  private static Map<DatasetFormat, DatasetReader> readers() {
    Map<DatasetFormat, DatasetReader> readers = new LinkedHashMap<>();
    readers.put(DatasetFormat.REFERENCE, new ReferenceDatasetReader());
    readers.put(DatasetFormat.WIKIMEL, new WikiMelDatasetReader());
    readers.put(DatasetFormat.JSONL, new JsonlDatasetReader());
    return readers;
  }

  private static String describeAll() {
    return readers().values().stream().map(DatasetReader::expects)
        .collect(Collectors.joining("; "));
  }
}
