package dev.mmel.pipeline;

import dev.mmel.model.data.KbJsonl;
import dev.mmel.model.data.MalformedRecord;
import java.nio.file.Path;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Parses KB lines (or change-log lines) and checks them against the index's limits. A bad
 * record goes to the side output with its file, line and field, and is counted; it never fails
 * the job.
 */
final class KbValidation extends ProcessFunction<KbLine, Change> {
  static final OutputTag<MalformedRecord> MALFORMED =
      new OutputTag<>("malformed-kb-records") {};
  static final String VALID = "kb.valid";
  static final String INVALID = "kb.malformed";
  private static final long serialVersionUID = 1L;

  /** What the lines hold: KB records (full build) or changes (refresh). */
  enum Format { KB, CHANGE_LOG }

  private final Format format;
  private final String baseDir;
  private transient LongCounter valid;
  private transient LongCounter invalid;

  KbValidation(Format format, String baseDir) {
    this.format = format;
    this.baseDir = baseDir;
  }

  @Override
  public void open(Configuration parameters) {
    valid = getRuntimeContext().getLongCounter(VALID);
    invalid = getRuntimeContext().getLongCounter(INVALID);
  }

  @Override
  public void processElement(KbLine line, Context context, Collector<Change> out) {
    Path base = baseDir == null ? null : Path.of(baseDir);
    MalformedRecord malformed;
    Change change;
    if (format == Format.CHANGE_LOG) {
      ChangeLog.Parsed parsed = ChangeLog.parseLine(line.text(), line.source(), line.line(), base);
      malformed = parsed.malformed();
      change = parsed.change();
    } else {
      KbJsonl.Parsed parsed = KbJsonl.parseLine(line.text(), line.source(), line.line(), base);
      malformed = parsed.malformed();
      change = null;
      if (parsed.entity() != null) {
        try {
          change = Change.upsert(EntityToEncode.of(parsed.entity()));
        } catch (IllegalArgumentException e) {
          malformed = new MalformedRecord(line.source(), line.line(), "", e.getMessage());
        }
      }
    }
    if (malformed != null) {
      invalid.add(1);
      context.output(MALFORMED, malformed);
    } else if (change != null) {
      valid.add(1);
      out.collect(change);
    }
  }
}
