package dev.mmel.serving.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Most tests first occupy the only worker with a batch that blocks ({@link #occupy}), queue
 * items behind it, then release it: what the queue holds at that moment fixes the batches that
 * follow, so their sizes and contents are deterministic.
 */
@Timeout(20)
class DynamicBatcherTest {
  private static final int BLOCKER = -1;
  private static final int BOOM = -2;
  private static final AtomicInteger NAMES = new AtomicInteger();

  private final Recording function = new Recording();
  private final List<Integer> observedSizes = new CopyOnWriteArrayList<>();
  private final List<Boolean> observedSuccesses = new CopyOnWriteArrayList<>();
  private DynamicBatcher<Integer, Integer> batcher;

  /** Multiplies by ten and records every batch; a batch holding BLOCKER waits for release. */
  private static final class Recording implements BatchFunction<Integer, Integer> {
    final List<List<Integer>> batches = new CopyOnWriteArrayList<>();
    final CountDownLatch blockerStarted = new CountDownLatch(1);
    final CountDownLatch released = new CountDownLatch(1);
    volatile long sleepMillis;

    @Override
    public List<Integer> apply(List<Integer> items) throws Exception {
      batches.add(items);
      if (items.contains(BLOCKER)) {
        blockerStarted.countDown();
        released.await(10, TimeUnit.SECONDS);
      }
      if (items.contains(BOOM)) {
        throw new IllegalStateException("boom in " + items);
      }
      if (sleepMillis > 0) {
        Thread.sleep(sleepMillis);
      }
      return items.stream().map(i -> i * 10).toList();
    }
  }

  @AfterEach
  void closeBatcher() {
    function.released.countDown();
    if (batcher != null) {
      batcher.close();
    }
  }

  @Test
  void queuedItemsFormFullBatchesWithoutWaitingForTheMaxWait() throws Exception {
    start(settings().maxBatchSize(4).maxWait(Duration.ofSeconds(1)));
    occupy();
    List<CompletableFuture<Integer>> futures = new CopyOnWriteArrayList<>();
    List<Thread> submitters = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      int base = t * 100;
      submitters.add(started(() -> IntStream.range(base, base + 4)
          .forEach(i -> futures.add(batcher.submit(i)))));
    }
    for (Thread submitter : submitters) {
      submitter.join(5_000);
    }

    long start = System.nanoTime();
    function.released.countDown();
    for (CompletableFuture<Integer> future : futures) {
      future.get(5, TimeUnit.SECONDS);
    }
    long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(List.of(1, 4, 4), observedSizes);
    assertTrue(elapsedMillis < 500, "full batches waited " + elapsedMillis + " ms");
    Set<Integer> computed = function.batches.stream().skip(1).flatMap(List::stream)
        .collect(Collectors.toSet());
    assertEquals(Set.of(0, 1, 2, 3, 100, 101, 102, 103), computed);
    for (CompletableFuture<Integer> future : futures) {
      assertTrue(future.get() % 10 == 0 && future.get() >= 0);
    }
  }

  @Test
  void concurrentSubmittersGetTheirOwnResultsInBatchesUpToTheMaxSize() throws Exception {
    start(settings().maxBatchSize(16).maxWait(Duration.ofMillis(5)).workers(2)
        .queueCapacity(1_000));
    List<List<CompletableFuture<Integer>>> perThread = new ArrayList<>();
    List<Thread> submitters = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int base = t * 1_000;
      List<CompletableFuture<Integer>> mine = new ArrayList<>();
      perThread.add(mine);
      submitters.add(started(() -> IntStream.range(base, base + 100)
          .forEach(i -> mine.add(batcher.submit(i)))));
    }
    for (Thread submitter : submitters) {
      submitter.join(5_000);
    }

    for (int t = 0; t < 4; t++) {
      for (int i = 0; i < 100; i++) {
        assertEquals((t * 1_000 + i) * 10, perThread.get(t).get(i).get(5, TimeUnit.SECONDS));
      }
    }
    assertEquals(400, observedSizes.stream().mapToInt(Integer::intValue).sum());
    assertTrue(observedSizes.stream().allMatch(size -> size >= 1 && size <= 16), "" + observedSizes);
    assertTrue(observedSizes.size() < 400, "no batching happened: " + observedSizes.size());
    BatcherStats stats = batcher.stats();
    assertEquals(400, stats.submitted());
    assertEquals(400, stats.batchedItems());
    assertEquals(observedSizes.size(), stats.batches());
    assertEquals(0, stats.queueDepth());
  }

  @Test
  void aLoneItemOnAQuietBatcherIsNotHeldForCompany() throws Exception {
    start(settings().maxBatchSize(8).maxWait(Duration.ofSeconds(1)));

    long start = System.nanoTime();
    assertEquals(70, batcher.submit(7).get(5, TimeUnit.SECONDS));
    assertEquals(80, batcher.submit(8).get(5, TimeUnit.SECONDS));
    long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

    assertTrue(elapsedMillis < 900, "two lone items took " + elapsedMillis + " ms");
    assertEquals(List.of(1, 1), observedSizes);
  }

  @Test
  void aGroupSubmittedTogetherSharesOneBatchEvenWithoutWaiting() throws Exception {
    start(settings().maxBatchSize(8).maxWait(Duration.ZERO));
    List<CompletableFuture<Integer>> group = new ArrayList<>();

    batcher.together(() -> {
      group.add(batcher.submit(1));
      try {
        // Long enough for the worker to take the first item and find the queue empty.
        Thread.sleep(200);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      group.add(batcher.submit(2));
      group.add(batcher.submit(3));
    });

    for (int i = 0; i < 3; i++) {
      assertEquals((i + 1) * 10, group.get(i).get(5, TimeUnit.SECONDS));
    }
    assertEquals(List.of(3), observedSizes);
  }

  @Test
  void afterABatchWithCompanyTheNextFirstItemWaitsAboutTheMaxWait() throws Exception {
    start(settings().maxBatchSize(8).maxWait(Duration.ofMillis(300)));
    occupy();
    CompletableFuture<Integer> first = batcher.submit(1);
    CompletableFuture<Integer> second = batcher.submit(2);
    function.released.countDown();
    first.get(5, TimeUnit.SECONDS);
    second.get(5, TimeUnit.SECONDS);

    long start = System.nanoTime();
    CompletableFuture<Integer> lone = batcher.submit(7);
    Thread.sleep(100);
    CompletableFuture<Integer> company = batcher.submit(9);
    assertEquals(70, lone.get(5, TimeUnit.SECONDS));
    assertEquals(90, company.get(5, TimeUnit.SECONDS));
    long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

    assertTrue(elapsedMillis >= 250, "waited only " + elapsedMillis + " ms");
    assertEquals(List.of(1, 2, 2), observedSizes);
  }

  @Test
  void aFullQueueRefusesAtOnce() throws Exception {
    start(settings().maxBatchSize(1).queueCapacity(2));
    occupy();
    CompletableFuture<Integer> first = batcher.submit(1);
    CompletableFuture<Integer> second = batcher.submit(2);

    long start = System.nanoTime();
    OverloadedException refused = assertThrows(OverloadedException.class, () -> batcher.submit(3));
    long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

    assertTrue(elapsedMillis < 100, "refusing took " + elapsedMillis + " ms");
    assertTrue(refused.getMessage().contains("queue holds 2 items (queue_capacity)"),
        refused.getMessage());
    BatcherStats stats = batcher.stats();
    assertEquals(1, stats.rejected());
    assertEquals(2, stats.queueDepth());
    function.released.countDown();
    assertEquals(10, first.get(5, TimeUnit.SECONDS));
    assertEquals(20, second.get(5, TimeUnit.SECONDS));
    assertEquals(0, batcher.queueDepth());
  }

  @Test
  void cancelledAndExpiredItemsAreNeverComputed() throws Exception {
    start(settings().maxBatchSize(8).maxWait(Duration.ZERO));
    occupy();
    CompletableFuture<Integer> cancelled = batcher.submit(1);
    CompletableFuture<Integer> expiring = batcher.submit(2, Instant.now().plusMillis(50));
    CompletableFuture<Integer> wanted = batcher.submit(3, Instant.now().plusSeconds(10));
    CompletableFuture<Integer> alreadyLate = batcher.submit(4, Instant.now().minusMillis(1));
    assertTrue(cancelled.cancel(true));
    Thread.sleep(100);

    function.released.countDown();

    assertEquals(30, wanted.get(5, TimeUnit.SECONDS));
    assertThrows(CancellationException.class, cancelled::join);
    assertInstanceOf(DeadlineExpiredException.class, cause(expiring));
    assertInstanceOf(DeadlineExpiredException.class, cause(alreadyLate));
    assertEquals(List.of(List.of(BLOCKER), List.of(3)), function.batches);
    BatcherStats stats = batcher.stats();
    assertEquals(2, stats.expired());
    assertEquals(1, stats.cancelled());
    assertEquals(4, stats.submitted(), "an item late on arrival is not queued");
  }

  @Test
  void aFailingBatchFailsExactlyItsOwnItems() throws Exception {
    start(settings().maxBatchSize(2).maxWait(Duration.ZERO));
    occupy();
    CompletableFuture<Integer> boom = batcher.submit(BOOM);
    CompletableFuture<Integer> sameBatch = batcher.submit(5);
    CompletableFuture<Integer> nextBatchA = batcher.submit(6);
    CompletableFuture<Integer> nextBatchB = batcher.submit(7);

    function.released.countDown();

    assertEquals(60, nextBatchA.get(5, TimeUnit.SECONDS));
    assertEquals(70, nextBatchB.get(5, TimeUnit.SECONDS));
    Throwable failure = cause(boom);
    assertInstanceOf(IllegalStateException.class, failure);
    assertSame(failure, cause(sameBatch));
    assertEquals(List.of(true, false, true), observedSuccesses);
    assertEquals(1, batcher.stats().failedBatches());
    assertEquals(80, batcher.submit(8).get(5, TimeUnit.SECONDS), "the worker lives on");
  }

  @Test
  void aWrongNumberOfResultsFailsTheBatch() throws Exception {
    batcher = DynamicBatcher.start(settings().maxWait(Duration.ZERO).build(),
        items -> List.of());

    Throwable failure = cause(batcher.submit(1));

    assertInstanceOf(IllegalStateException.class, failure);
    assertTrue(failure.getMessage().endsWith("answered 0 results for 1 items"),
        failure.getMessage());
  }

  @Test
  void closeFinishesQueuedWorkThenRefusesSubmissions() {
    function.sleepMillis = 20;
    start(settings().maxBatchSize(2).maxWait(Duration.ofMillis(10)).workers(2));
    List<CompletableFuture<Integer>> futures = IntStream.range(0, 10)
        .mapToObj(batcher::submit).toList();

    batcher.close();

    for (int i = 0; i < 10; i++) {
      assertTrue(futures.get(i).isDone(), "item " + i + " unfinished after close");
      assertEquals(i * 10, futures.get(i).join());
    }
    RejectedExecutionException refused =
        assertThrows(RejectedExecutionException.class, () -> batcher.submit(11));
    assertFalse(refused instanceof OverloadedException);
    batcher.close();
  }

  @Test
  void closeWaitsForRoomInAFullQueue() throws Exception {
    start(settings().maxBatchSize(1).queueCapacity(2));
    occupy();
    CompletableFuture<Integer> first = batcher.submit(1);
    CompletableFuture<Integer> second = batcher.submit(2);
    Thread closer = started(batcher::close);

    Thread.sleep(50);
    assertTrue(closer.isAlive(), "close returned with work queued");
    function.released.countDown();
    closer.join(5_000);

    assertFalse(closer.isAlive());
    assertEquals(10, first.getNow(null));
    assertEquals(20, second.getNow(null));
  }

  @Test
  void workerThreadsEndOnClose() {
    BatcherSettings settings = settings().workers(3).build();
    batcher = DynamicBatcher.start(settings, function);
    assertEquals(3, workerThreads(settings.name()).size());

    batcher.close();

    assertEquals(List.of(), workerThreads(settings.name()));
  }

  @Test
  void aThrowingObserverDoesNotStopTheWorker() throws Exception {
    batcher = DynamicBatcher.start(settings().maxWait(Duration.ZERO).build(), function,
        (size, elapsed, succeeded) -> {
          throw new IllegalStateException("metrics backend down");
        });

    assertEquals(10, batcher.submit(1).get(5, TimeUnit.SECONDS));
    assertEquals(20, batcher.submit(2).get(5, TimeUnit.SECONDS));
  }

  private void start(BatcherSettings.Builder settings) {
    batcher = DynamicBatcher.start(settings.build(), function, (size, elapsed, succeeded) -> {
      observedSizes.add(size);
      observedSuccesses.add(succeeded);
    });
  }

  private static BatcherSettings.Builder settings() {
    return BatcherSettings.builder("test" + NAMES.incrementAndGet()).workers(1)
        .maxWait(Duration.ofMillis(5));
  }

  /** Runs a batch of BLOCKER on the worker and returns once it runs, so later items queue. */
  private void occupy() throws InterruptedException {
    batcher.submit(BLOCKER);
    assertTrue(function.blockerStarted.await(5, TimeUnit.SECONDS), "the worker never started");
  }

  private static Thread started(Runnable action) {
    Thread thread = new Thread(action);
    thread.start();
    return thread;
  }

  private static Throwable cause(CompletableFuture<Integer> future) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> future.get(5, TimeUnit.SECONDS));
    return e.getCause();
  }

  private static List<Thread> workerThreads(String batcherName) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.getName().startsWith(batcherName + "-batcher-"))
        .filter(Thread::isAlive).toList();
  }
}
