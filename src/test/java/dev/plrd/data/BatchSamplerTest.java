package dev.plrd.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shuffled, seeded, resumable order of windows. Ids are their positions, so a window's first id names it. */
class BatchSamplerTest {
    private static final int SEQ = 4;

    @TempDir
    Path dir;

    private Split split(int tokens) throws Exception {
        Path file = TokenFiles.uint32(dir.resolve("t" + tokens + ".bin"), TokenFiles.range(0, tokens));
        return TokenDataset.open(file.toString(), 1 << 20, null, null).split(SplitName.ALL, SEQ);
    }

    /** The windows drawn, by index, one row per call. */
    private static List<Long> draw(BatchSampler sampler, int count) {
        List<Long> windows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            windows.add(sampler.next(1).inputs()[0] / SEQ);
        }
        return windows;
    }

    @Test
    void sameSeedSameOrderAndDifferentSeedsDiffer() throws Exception {
        Split s = split(4001);
        List<Long> a = draw(new BatchSampler(s, 42, Position.START), 300);
        List<Long> b = draw(new BatchSampler(s, 42, Position.START), 300);
        List<Long> c = draw(new BatchSampler(s, 43, Position.START), 300);
        assertThat(a).isEqualTo(b);
        assertThat(c).isNotEqualTo(a);
        assertThat(a).isNotEqualTo(sorted(a));
        Batch x = new BatchSampler(s, 7, Position.START).next(5);
        Batch y = new BatchSampler(s, 7, Position.START).next(5);
        assertThat(x.inputs()).isEqualTo(y.inputs());
        assertThat(x.targets()).isEqualTo(y.targets());
    }

    private static List<Long> sorted(List<Long> list) {
        return list.stream().sorted().toList();
    }

    @Test
    void everyWindowOncePerEpochAndEachEpochInItsOwnOrder() throws Exception {
        Split s = split(4001);
        int n = (int) s.windows();
        BatchSampler sampler = new BatchSampler(s, 1, Position.START);
        List<Long> first = draw(sampler, n);
        assertThat(sampler.position()).isEqualTo(new Position(1, 0));
        List<Long> second = draw(sampler, n);
        assertThat(new HashSet<>(first)).hasSize(n).allMatch(w -> w >= 0 && w < n);
        assertThat(new HashSet<>(second)).isEqualTo(new HashSet<>(first));
        assertThat(second).isNotEqualTo(first);
        assertThat(first).isNotEqualTo(sorted(first));
    }

    @Test
    void theOrderIsAPermutationForEverySize() {
        for (int size = 1; size <= 300; size++) {
            long n = size;
            WindowOrder order = new WindowOrder(n, n * 31, 2);
            Set<Long> seen = new HashSet<>();
            for (long i = 0; i < n; i++) {
                seen.add(order.at(i));
            }
            assertThat(seen).as("n = %d", n).hasSize(size).allMatch(w -> w >= 0 && w < n);
        }
    }

    @Test
    void resumingFromASavedPositionContinuesExactly() throws Exception {
        Split s = split(401); // 100 windows: the draws cross into the next epoch
        BatchSampler straight = new BatchSampler(s, 9, Position.START);
        draw(straight, 70);
        Position saved = straight.position();
        assertThat(saved).isEqualTo(new Position(0, 70));
        List<Long> rest = new ArrayList<>();
        List<long[]> targets = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Batch b = straight.next(3);
            rest.add(b.inputs()[0]);
            targets.add(b.targets());
        }
        BatchSampler resumed = new BatchSampler(s, 9, saved);
        for (int i = 0; i < 20; i++) {
            Batch b = resumed.next(3);
            assertThat(b.inputs()[0]).isEqualTo(rest.get(i));
            assertThat(b.targets()).isEqualTo(targets.get(i));
        }
        assertThat(resumed.position()).isEqualTo(straight.position()).isEqualTo(new Position(1, 30));
    }

    @Test
    void aPositionPastTheWindowsIsRefused() throws Exception {
        Split s = split(401);
        assertThatThrownBy(() -> new BatchSampler(s, 1, new Position(0, 100)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("past the 100 windows of the all split at sequence length 4");
        assertThatThrownBy(() -> new Position(-1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BatchSampler(s, 1, Position.START).next(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
