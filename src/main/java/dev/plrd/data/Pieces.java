package dev.plrd.data;

/**
 * Where to cut a long document into pieces that are tokenised one at a time, so that memory stays bounded whatever
 * a document's size. The cut goes before the last run of whitespace, a line break if there is one: pre-tokenizers
 * (GPT-2's byte-level pattern among them) start a new pre-token there anyway, so a piece's tokens are those the
 * whole document would have given, short of tokenizers that mark the start of every input (SentencePiece's
 * prefix space), which add one token per cut, about one per million characters.
 */
final class Pieces {
    /** Characters per piece: large enough that cuts are rare, small enough to tokenise in one call. */
    static final int MAX_CHARS = 1 << 20;

    private Pieces() {
    }

    /** The end of the first piece of text[from, to), which is longer than a piece: an index in (from, to]. */
    static int cut(CharSequence text, int from, int to) {
        int at = lastWhitespaceRun(text, from, to, true);
        if (at < 0) {
            at = lastWhitespaceRun(text, from, to, false);
        }
        if (at > from) {
            return at;
        }
        // no whitespace at all: any place will do but the middle of a surrogate pair
        return Character.isHighSurrogate(text.charAt(to - 1)) && to - 1 > from ? to - 1 : to;
    }

    /** The start of the last whitespace run in (from, to) (containing a line break if lineBreak), or -1. */
    private static int lastWhitespaceRun(CharSequence text, int from, int to, boolean lineBreak) {
        for (int i = to - 1; i > from; i--) {
            char c = text.charAt(i);
            if (lineBreak ? c == '\n' : Character.isWhitespace(c)) {
                int start = i;
                while (start - 1 > from && Character.isWhitespace(text.charAt(start - 1))) {
                    start--;
                }
                return start;
            }
        }
        return -1;
    }
}
