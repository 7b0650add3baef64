package dev.mmel.serving.grpc;

/** One field of a request that breaks a rule: its path (e.g. "mention.image") and why. */
public record FieldViolation(String field, String description) {}
