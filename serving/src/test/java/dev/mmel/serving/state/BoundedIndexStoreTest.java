package dev.mmel.serving.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.serving.link.IndexUnavailableException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BoundedIndexStoreTest {
  private final CountDownLatch release = new CountDownLatch(1);

  /** A store whose liveBuildId does what {@code answer} does. */
  private static EntityIndexStore store(java.util.concurrent.Callable<Object> answer) {
    return (EntityIndexStore) Proxy.newProxyInstance(EntityIndexStore.class.getClassLoader(),
        new Class<?>[] {EntityIndexStore.class}, (proxy, method, args) -> {
          if (method.getName().equals("liveBuildId")) {
            return answer.call();
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }

  @Test
  void aStoreThatHangsFailsTheCallAfterTheTimeout() {
    try (BoundedIndexStore bounded = new BoundedIndexStore(store(() -> {
      release.await();
      return Optional.of("b1");
    }), Duration.ofMillis(200), 4)) {
      long start = System.nanoTime();
      IndexUnavailableException e = assertThrows(IndexUnavailableException.class,
          bounded::liveBuildId);
      double seconds = (System.nanoTime() - start) / 1e9;
      assertTrue(seconds >= 0.2 && seconds < 2, seconds + " s");
      assertEquals("no answer to the question which build is live within 200 ms",
          e.getMessage());
    } finally {
      release.countDown();
    }
  }

  @Test
  void answersAndTheStoresOwnFailuresPassThrough() {
    try (BoundedIndexStore answering = new BoundedIndexStore(store(() -> Optional.of("b7")),
        Duration.ofSeconds(5), 4)) {
      assertEquals(Optional.of("b7"), answering.liveBuildId());
    }
    try (BoundedIndexStore failing = new BoundedIndexStore(store(() -> {
      throw new IllegalStateException("no alias");
    }), Duration.ofSeconds(5), 4)) {
      assertEquals("no alias", assertThrows(IllegalStateException.class, failing::liveBuildId)
          .getMessage());
    }
  }

  @Test
  void whileEveryCallThreadWaitsFurtherCallsFailAtOnce() {
    try (BoundedIndexStore bounded = new BoundedIndexStore(store(() -> {
      release.await();
      return Optional.empty();
    }), Duration.ofMillis(100), 1)) {
      assertThrows(IndexUnavailableException.class, bounded::liveBuildId);
      IndexUnavailableException e = assertThrows(IndexUnavailableException.class,
          bounded::liveBuildId);
      assertTrue(e.getMessage().startsWith("all 1 index calls still wait"), e.getMessage());
    } finally {
      release.countDown();
    }
  }
}
