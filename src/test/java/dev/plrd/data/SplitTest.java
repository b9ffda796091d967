package dev.plrd.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Packing into windows and the train / held-out boundary, on a stream whose ids are their own positions. */
class SplitTest {
    private static final int TOKENS = 10_000;

    @TempDir
    Path dir;

    private TokenDataset positions() throws Exception {
        Path file = TokenFiles.uint32(dir.resolve("positions.bin"), TokenFiles.range(0, TOKENS));
        return TokenDataset.open(file.toString(), 1 << 20, null, null);
    }

    @Test
    void windowsOverlapByOneTokenAndTargetsAreInputsShiftedByOne() throws Exception {
        try (TokenDataset d = positions()) {
            Split all = d.split(SplitName.ALL, 8);
            assertThat(all.windows()).isEqualTo((TOKENS - 1) / 8);
            long[] w = new long[9];
            all.window(0, w);
            assertThat(w).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8);
            all.window(5, w);
            assertThat(w).containsExactly(40, 41, 42, 43, 44, 45, 46, 47, 48);

            Batch b = new BatchSampler(all, 3, Position.START).next(4);
            assertThat(b.rows()).isEqualTo(4);
            assertThat(b.sequenceLength()).isEqualTo(8);
            for (int r = 0; r < 4; r++) {
                long first = b.inputs()[r * 8];
                assertThat(first % 8).isZero();
                for (int t = 0; t < 8; t++) {
                    assertThat(b.inputs()[r * 8 + t]).isEqualTo(first + t);
                    assertThat(b.targets()[r * 8 + t]).isEqualTo(first + t + 1);
                }
            }
            assertThatThrownBy(() -> all.window(all.windows(), w)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> all.window(0, new long[8])).hasMessageContaining("has 9 tokens, not 8");
        }
    }

    @ParameterizedTest(name = "sequence length {0}")
    @ValueSource(ints = {1, 7, 16, 33, 99})
    void heldOutIsTheLastPercentOfTokensAtEverySequenceLengthAndDisjointFromTraining(int seq) throws Exception {
        try (TokenDataset d = positions()) {
            long boundary = TOKENS - TOKENS / 100;
            assertThat(d.heldOutStart()).isEqualTo(boundary);
            Split train = d.split(SplitName.TRAIN, seq);
            Split heldOut = d.split(SplitName.HELD_OUT, seq);
            assertThat(train.tokens()).isEqualTo(boundary);
            assertThat(heldOut.tokens()).isEqualTo(TOKENS - boundary);
            long[] w = new long[seq + 1];
            train.window(train.windows() - 1, w);
            assertThat(w[seq]).isLessThan(boundary);
            assertThat(w[seq]).isGreaterThanOrEqualTo(boundary - seq);
            heldOut.window(0, w);
            assertThat(w[0]).isEqualTo(boundary);
            heldOut.window(heldOut.windows() - 1, w);
            assertThat(w[seq]).isLessThan(TOKENS);
        }
    }

    @Test
    void heldOutIsRoundedUpSoThatTinyStreamsStillHoldSomethingOut() throws Exception {
        Path file = TokenFiles.uint16(dir.resolve("tiny.bin"), TokenFiles.range(0, 150));
        try (TokenDataset d = TokenDataset.open(file.toString(), 512, null, null)) {
            assertThat(d.heldOutStart()).isEqualTo(148);
            assertThat(d.split(SplitName.HELD_OUT, 1).windows()).isEqualTo(1);
            assertThatThrownBy(() -> d.split(SplitName.HELD_OUT, 16))
                    .isInstanceOf(DataException.class)
                    .hasMessage(file + ": the held-out split (the last 1%) has 2 tokens; a window of sequence length 16"
                            + " needs 17");
            assertThatThrownBy(() -> d.split(SplitName.ALL, 150)).hasMessageContaining("the dataset has 150 tokens");
            assertThat(d.split(SplitName.ALL, 149).windows()).isEqualTo(1);
        }
        Path single = TokenFiles.uint16(dir.resolve("single.bin"), 5);
        try (TokenDataset d = TokenDataset.open(single.toString(), 512, null, null)) {
            assertThatThrownBy(() -> d.split(SplitName.TRAIN, 1)).hasMessageContaining("has 0 tokens");
            assertThatThrownBy(() -> d.split(SplitName.ALL, 1)).hasMessageContaining("has 1 tokens");
        }
    }

    @Test
    void splitNamesAreParsedAsOnTheCommandLine() {
        assertThat(SplitName.parse("train")).isEqualTo(SplitName.TRAIN);
        assertThat(SplitName.parse("held-out")).isEqualTo(SplitName.HELD_OUT);
        assertThat(SplitName.parse("all")).isEqualTo(SplitName.ALL);
        assertThat(SplitName.HELD_OUT.cli()).isEqualTo("held-out");
        assertThatThrownBy(() -> SplitName.parse("test")).hasMessageContaining("expected train, held-out or all");
    }
}
