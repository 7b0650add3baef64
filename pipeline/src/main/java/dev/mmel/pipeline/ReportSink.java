package dev.mmel.pipeline;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;

/**
 * Appends what a job skipped or degraded (malformed KB records as "file:line: problem",
 * unreadable images as "QID image PATH: problem") to a report file, one per line.
 */
final class ReportSink<T> implements Sink<T> {
  private static final long serialVersionUID = 1L;
  private final String report;

  ReportSink(String report) {
    this.report = report;
  }

  @Override
  @SuppressWarnings("deprecation")
  public SinkWriter<T> createWriter(InitContext context) throws IOException {
    Path path = Path.of(report);
    if (path.getParent() != null) {
      Files.createDirectories(path.getParent());
    }
    BufferedWriter out = Files.newBufferedWriter(path, StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    return new SinkWriter<>() {
      @Override
      public void write(T record, Context context) throws IOException {
        out.write(record.toString());
        out.newLine();
      }

      @Override
      public void flush(boolean endOfInput) throws IOException {
        out.flush();
      }

      @Override
      public void close() throws IOException {
        out.close();
      }
    };
  }
}
