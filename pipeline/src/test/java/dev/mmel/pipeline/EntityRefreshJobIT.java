package dev.mmel.pipeline;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The refresh job on real Flink (local) against the real embedded index. */
class EntityRefreshJobIT {

  @Test
  void appliesUpsertsAndDeletesInOrderToTheLiveIndex(@TempDir Path dir) throws Exception {
    RefreshScenario.run(new EmbeddedTarget(dir.resolve("index").toString()), dir);
  }
}
