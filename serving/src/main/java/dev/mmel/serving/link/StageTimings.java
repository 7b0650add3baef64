package dev.mmel.serving.link;

/** Where a link's time went, in milliseconds; {@code batchSize} mentions shared its model call. */
public record StageTimings(double dmeMs, double encodeMs, double retrieveMs, double rerankMs,
    double totalMs, int batchSize) {}
