package dev.plrd.data;

/**
 * Rows of token windows, row-major {@code [rows, sequenceLength]}: each target is the input one place to its right,
 * the token the model must predict there.
 */
public record Batch(long[] inputs, long[] targets, int rows, int sequenceLength) {
}
