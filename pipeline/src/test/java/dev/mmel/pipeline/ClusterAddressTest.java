package dev.mmel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClusterAddressTest {

  @Test
  void acceptsHostPortAndTheUrlTheClusterScriptPrints() {
    assertEquals(new ClusterAddress("127.0.0.1", 8081),
        ClusterAddress.parse("--flink-cluster", "127.0.0.1:8081"));
    assertEquals(new ClusterAddress("127.0.0.1", 18281),
        ClusterAddress.parse("--flink-cluster", " http://127.0.0.1:18281/ "));
    assertEquals(new ClusterAddress("jobmanager.example", 443),
        ClusterAddress.parse("--flink-cluster", "HTTP://jobmanager.example:443"));
    assertEquals("flink:8081", ClusterAddress.parse("--flink-cluster", "flink:8081").toString());
  }

  @Test
  void rejectsWhatIsNotHostAndPortNamingTheOptionAndValue() {
    for (String bad : new String[] {"", "127.0.0.1", ":8081", "host:", "host:port",
        "host:0", "host:70000", "https://host:8081", "http://host:8081/jobs", "my host:8081"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> ClusterAddress.parse("--flink-cluster", bad), bad);
      assertTrue(e.getMessage().startsWith("--flink-cluster '" + bad + "'"), e.getMessage());
    }
  }
}
