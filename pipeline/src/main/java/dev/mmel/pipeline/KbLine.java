package dev.mmel.pipeline;

/** One line of a KB file with where it came from, so a bad record can be reported exactly. */
public record KbLine(String source, long line, String text) {}
