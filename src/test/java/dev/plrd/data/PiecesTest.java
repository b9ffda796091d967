package dev.plrd.data;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PiecesTest {
    @Test
    void cutsBeforeTheLastLineBreakThenWhitespaceThenAnywhereButASurrogatePair() {
        assertThat(Pieces.cut("one two\nthree four", 0, 16)).isEqualTo(7);
        assertThat(Pieces.cut("one\n\n  two three", 0, 12)).isEqualTo(3);
        assertThat(Pieces.cut("one two three", 0, 10)).isEqualTo(7);
        assertThat(Pieces.cut("abcdefgh", 2, 6)).isEqualTo(6);
        String rocket = "ab\uD83D\uDE80cd";
        assertThat(Pieces.cut(rocket, 0, 3)).isEqualTo(2);
        assertThat(Pieces.cut(" abcdef", 0, 5)).isEqualTo(5);
    }
}
