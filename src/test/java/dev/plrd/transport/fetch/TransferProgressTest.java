package dev.plrd.transport.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TransferProgressTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final AtomicLong now = new AtomicLong();

    private TransferProgress progress(boolean terminal) {
        return new TransferProgress(new PrintStream(out, true), terminal, 10_000_000_000L, now::get);
    }

    @Test
    void aLogGetsAPlainLineEveryIntervalWithTheRateAndTimeLeft() {
        TransferProgress p = progress(false);
        p.start("model.safetensors", 100_000_000);
        now.set(5_000_000_000L);
        p.advance(10_000_000);
        now.set(10_000_000_000L);
        p.advance(10_000_000);
        now.set(12_000_000_000L);
        p.advance(80_000_000);
        p.finish();

        assertThat(out.toString().lines()).containsExactly(
                "fetch model.safetensors 20.0 MB / 100.0 MB, 2.0 MB/s, ETA 40 s",
                "fetch model.safetensors 100.0 MB / 100.0 MB, 8.3 MB/s, done in 12.0 s");
    }

    @Test
    void aResumedTransferCountsOnlyNewBytesTowardsTheRateAndATerminalLineIsRedrawn() {
        TransferProgress p = progress(true);
        p.start("shard", 3_000_000_000L);
        p.resumed(1_000_000_000L);
        now.set(1_000_000_000L);
        p.advance(100_000_000);

        assertThat(out.toString()).isEqualTo("\rfetch shard 1100.0 MB / 3000.0 MB, 100.0 MB/s, ETA 19 s\033[K");
    }
}
