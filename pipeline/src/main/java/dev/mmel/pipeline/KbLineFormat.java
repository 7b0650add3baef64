package dev.mmel.pipeline;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * Reads a KB file as numbered lines. Not splittable, so after a failure Flink re-reads the file
 * from its start and skips what was already emitted: the line numbers stay right.
 */
final class KbLineFormat extends SimpleStreamFormat<KbLine> {
  private static final long serialVersionUID = 1L;
  private final String source;

  KbLineFormat(String source) {
    this.source = source;
  }

  @Override
  public Reader<KbLine> createReader(Configuration config, FSDataInputStream stream) {
    BufferedReader lines =
        new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8), 1 << 16);
    return new Reader<>() {
      private long number;

      @Override
      public KbLine read() throws IOException {
        String text = lines.readLine();
        return text == null ? null : new KbLine(source, ++number, text);
      }

      @Override
      public void close() throws IOException {
        lines.close();
      }
    };
  }

  @Override
  public TypeInformation<KbLine> getProducedType() {
    return TypeInformation.of(KbLine.class);
  }
}
