package dev.mmel.serving.batch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Gathers single-item requests from many threads into batch calls (one TensorFlow run for many
 * mentions, say). A worker takes the oldest waiting item, then gathers more until the batch is
 * full or {@code max_wait} has passed since it took the first, and runs the batch; several
 * workers run batches side by side. The queue is bounded: a full queue refuses a submission at
 * once ({@link OverloadedException}) instead of letting latency grow without bound. Items
 * cancelled or past their deadline when their batch starts are dropped, never computed; a
 * cancelled item still holds its queue slot until a worker reaches it. Futures complete on the
 * worker thread, so a caller's non-async dependent stages run there and delay the next batch:
 * slow follow-up work belongs in the {@code *Async} variants.
 *
 * <p>{@link #close()} refuses new submissions, finishes everything already queued, and returns
 * once the workers have ended.
 */
public final class DynamicBatcher<I, O> implements AutoCloseable {
  private final BatcherSettings settings;
  private final BatchRunner<I, O> runner;
  private final BatcherCounters counters = new BatcherCounters();
  private final BlockingQueue<Pending<I, O>> queue;
  // Tells workers the queue holds nothing after it; each worker that takes it puts it back for
  // the next, so one marker stops them all.
  private final Pending<I, O> endOfQueue = new Pending<>(null, null, null);
  private final AtomicInteger queued = new AtomicInteger();
  private final List<Thread> workers = new ArrayList<>();
  // Submitters share the read side; close takes the write side, so no submission can slip in
  // behind the end-of-queue marker.
  private final ReadWriteLock closing = new ReentrantReadWriteLock();
  // Held while a group of submissions is made; a worker passes through it after taking a
  // batch's first item, so that it sees the whole group before it stops gathering.
  private final Lock grouping = new ReentrantLock();
  private boolean closed;

  private DynamicBatcher(BatcherSettings settings, BatchFunction<I, O> function,
      BatchObserver observer) {
    this.settings = settings;
    this.runner = new BatchRunner<>(settings.name(), function, observer, counters);
    this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
  }

  /** A batcher whose workers are running. */
  public static <I, O> DynamicBatcher<I, O> start(BatcherSettings settings,
      BatchFunction<I, O> function) {
    return start(settings, function, BatchObserver.NONE);
  }

  /** A batcher whose workers are running and report every batch to {@code observer}. */
  public static <I, O> DynamicBatcher<I, O> start(BatcherSettings settings,
      BatchFunction<I, O> function, BatchObserver observer) {
    if (settings == null || function == null || observer == null) {
      throw new IllegalArgumentException("settings, batch function and observer must be given");
    }
    DynamicBatcher<I, O> batcher = new DynamicBatcher<>(settings, function, observer);
    for (int i = 0; i < settings.workers(); i++) {
      Thread worker = new Thread(batcher::work, settings.name() + "-batcher-" + i);
      // A batcher nobody closed must not keep the JVM alive; close() is the orderly way out.
      worker.setDaemon(true);
      batcher.workers.add(worker);
    }
    batcher.workers.forEach(Thread::start);
    return batcher;
  }

  /** {@link #submit(Object, Instant)} without a deadline. */
  public CompletableFuture<O> submit(I item) {
    return submit(item, null);
  }

  /**
   * Queues {@code item} for the next batch. The future completes with its result; with the
   * batch function's failure; exceptionally with {@link DeadlineExpiredException} when
   * {@code deadline} (may be null) passes before its batch starts. Cancelling the future before
   * then keeps the item out of its batch.
   *
   * @throws OverloadedException when the queue is full
   * @throws RejectedExecutionException when the batcher is closed
   */
  public CompletableFuture<O> submit(I item, Instant deadline) {
    if (item == null) {
      throw new IllegalArgumentException("item must not be null");
    }
    CompletableFuture<O> future = new CompletableFuture<>();
    closing.readLock().lock();
    try {
      if (closed) {
        throw new RejectedExecutionException("batcher '" + settings.name() + "' is closed");
      }
      Pending<I, O> pending = new Pending<>(item, future, deadline);
      if (pending.expiredAt(Instant.now())) {
        counters.expired.increment();
        future.completeExceptionally(new DeadlineExpiredException(settings.name(), deadline));
        return future;
      }
      // Counted before the offer: a worker may take the item before this thread runs again.
      queued.incrementAndGet();
      if (!queue.offer(pending)) {
        queued.decrementAndGet();
        counters.rejected.increment();
        throw new OverloadedException(settings.name(), settings.queueCapacity());
      }
      counters.submitted.increment();
      return future;
    } finally {
      closing.readLock().unlock();
    }
  }

  /**
   * Runs {@code submissions}, calls of {@link #submit}, so that no batch starts with only some
   * of them unless they do not fit in one: a request's mentions are encoded together.
   */
  public void together(Runnable submissions) {
    grouping.lock();
    try {
      submissions.run();
    } finally {
      grouping.unlock();
    }
  }

  /** Items waiting for a batch now: a gauge. */
  public int queueDepth() {
    return queued.get();
  }

  public BatcherStats stats() {
    return counters.snapshot(queued.get());
  }

  public BatcherSettings settings() {
    return settings;
  }

  /**
   * Refuses new submissions, lets the workers finish every queued item, and returns when they
   * have ended. Calling it again waits the same way. Interrupted, it returns at once with the
   * interrupt flag set, the workers still draining.
   */
  @Override
  public void close() {
    if (workers.contains(Thread.currentThread())) {
      throw new IllegalStateException("batcher '" + settings.name() + "' cannot be closed from "
          + "its own batch function: it would wait for itself");
    }
    boolean first;
    closing.writeLock().lock();
    try {
      first = !closed;
      closed = true;
    } finally {
      closing.writeLock().unlock();
    }
    try {
      if (first) {
        queue.put(endOfQueue);
      }
      for (Thread worker : workers) {
        worker.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void work() {
    List<Pending<I, O>> batch = new ArrayList<>(settings.maxBatchSize());
    boolean ended = false;
    boolean hadCompany = false;
    while (!ended) {
      ended = gather(batch, hadCompany);
      hadCompany = batch.size() > 1;
      runner.run(batch);
      batch.clear();
    }
    // Only this worker's take removed the marker, so its slot is free: put cannot block.
    queue.add(endOfQueue);
  }

  /**
   * Fills {@code batch} with what is queued and, when the previous batch had company (a sign
   * of concurrent callers), with what arrives within the max wait; true when it met the end of
   * the queue. A lone caller on a quiet batcher is not held for company that is not coming:
   * under load the queue refills while a batch runs, so batches stay full without the wait.
   */
  private boolean gather(List<Pending<I, O>> batch, boolean waitForCompany) {
    Pending<I, O> first = takeUninterruptibly();
    if (first == endOfQueue) {
      return true;
    }
    add(batch, first);
    grouping.lock();
    grouping.unlock();
    long waitEnd = System.nanoTime() + (waitForCompany ? settings.maxWait().toNanos() : 0);
    while (batch.size() < settings.maxBatchSize()) {
      Pending<I, O> next = queue.poll();
      if (next == null) {
        long left = waitEnd - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          next = queue.poll(left, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          // Only close() could want these threads to stop, and it says so with the marker.
          continue;
        }
        if (next == null) {
          return false;
        }
      }
      if (next == endOfQueue) {
        return true;
      }
      add(batch, next);
    }
    return false;
  }

  private void add(List<Pending<I, O>> batch, Pending<I, O> pending) {
    queued.decrementAndGet();
    batch.add(pending);
  }

  private Pending<I, O> takeUninterruptibly() {
    while (true) {
      try {
        return queue.take();
      } catch (InterruptedException e) {
        // Same as in gather: the marker, not an interrupt, ends a worker.
      }
    }
  }
}
