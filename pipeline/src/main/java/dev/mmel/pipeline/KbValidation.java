package dev.mmel.pipeline;

import dev.mmel.model.data.KbJsonl;
import dev.mmel.model.data.MalformedRecord;
import dev.mmel.retriever.EntityRecord;
import java.nio.file.Path;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Parses KB lines and checks them against the index's limits. A bad record goes to the side
 * output with its file, line and field, and is counted; it never fails the job.
 */
final class KbValidation extends ProcessFunction<KbLine, Change> {
  static final OutputTag<MalformedRecord> MALFORMED =
      new OutputTag<>("malformed-kb-records") {};
  static final String VALID = "kb.valid";
  static final String INVALID = "kb.malformed";
  private static final long serialVersionUID = 1L;

  private final String baseDir;
  private transient LongCounter valid;
  private transient LongCounter invalid;

  KbValidation(String baseDir) {
    this.baseDir = baseDir;
  }

  @Override
  public void open(Configuration parameters) {
    valid = getRuntimeContext().getLongCounter(VALID);
    invalid = getRuntimeContext().getLongCounter(INVALID);
  }

  @Override
  public void processElement(KbLine line, Context context, Collector<Change> out) {
    KbJsonl.Parsed parsed = KbJsonl.parseLine(line.text(), line.source(), line.line(),
        baseDir == null ? null : Path.of(baseDir));
    if (parsed.malformed() != null) {
      invalid.add(1);
      context.output(MALFORMED, parsed.malformed());
      return;
    }
    if (parsed.entity() == null) {
      return;
    }
    var entity = parsed.entity();
    try {
      EntityRecord record = new EntityRecord(entity.qid(), entity.name(), entity.aliases(),
          entity.description(), entity.imagePath());
      valid.add(1);
      out.collect(Change.upsert(EntityToEncode.of(record)));
    } catch (IllegalArgumentException e) {
      invalid.add(1);
      context.output(MALFORMED, new MalformedRecord(line.source(), line.line(), "",
          e.getMessage()));
    }
  }
}
