package dev.mmel.app.bench;

import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * One way of searching under test: a store at one search breadth, or the exact baseline, with
 * what its build cost and the memory it holds. {@code measuresStore} is false for the further
 * breadths of a store, which share its build and memory.
 */
record SearchEngine(String name, SearchLoad.Searcher searcher, BuildCost build,
    MemoryHeld memory, boolean measuresStore) {

  /**
   * Build figures; {@code bytes} is negative where nothing could be measured; {@code detail},
   * if not empty, is printed below the table.
   */
  record BuildCost(double seconds, long bytes, String note, String detail) {}

  /**
   * Memory an engine holds: {@code now} minus {@code before} (taken before its build), read
   * after the searches; {@code note} says what was measured.
   */
  record MemoryHeld(OptionalLong before, Supplier<OptionalLong> now, String note) {
    OptionalLong held() {
      OptionalLong after = now.get();
      return before.isPresent() && after.isPresent()
          ? OptionalLong.of(Math.max(0, after.getAsLong() - before.getAsLong()))
          : OptionalLong.empty();
    }
  }
}
