package dev.mmel.pipeline;

import dev.mmel.model.data.MalformedRecord;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;

/** Appends skipped KB records, one "file:line: problem" per line, to a report file. */
final class MalformedReportSink implements Sink<MalformedRecord> {
  private static final long serialVersionUID = 1L;
  private final String report;

  MalformedReportSink(String report) {
    this.report = report;
  }

  @Override
  @SuppressWarnings("deprecation")
  public SinkWriter<MalformedRecord> createWriter(InitContext context) throws IOException {
    Path path = Path.of(report);
    if (path.getParent() != null) {
      Files.createDirectories(path.getParent());
    }
    BufferedWriter out = Files.newBufferedWriter(path, StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    return new SinkWriter<>() {
      @Override
      public void write(MalformedRecord record, Context context) throws IOException {
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
