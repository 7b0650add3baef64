/** MMoE on TensorFlow Java: tokenizer, image preprocessing, CLIP towers, matcher, weights, export. */
package dev.mmel.model;
