package dev.mmel.serving.dme;

/** The two messages of one chat-completion request. */
record ChatPrompt(String system, String user) {}
