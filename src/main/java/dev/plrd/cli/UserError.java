package dev.plrd.cli;

/**
 * A command refused to run because of how it was called or what it was pointed at: the message
 * says what was wrong, the hint what to do about it. Exits with code 2, like a stage's bad input.
 */
final class UserError extends Exception {
    private final String hint;

    UserError(String message, String hint) {
        super(message);
        this.hint = hint;
    }

    String hint() {
        return hint;
    }
}
