package dev.plrd.api;

/** One broken rule: the field it is about ({@code spec.members[1].rankFraction}) and what was expected. */
public record Violation(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
