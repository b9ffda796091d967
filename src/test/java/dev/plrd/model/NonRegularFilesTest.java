package dev.plrd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model file that is a FIFO or a directory, and a full disk: each error names the file, and nothing hangs. */
class NonRegularFilesTest {
    @TempDir
    Path dir;

    private Path tiny() throws IOException {
        return CheckpointTest.writeTiny(dir.resolve("tiny"), TinyModels.tiny(), DType.F32, Long.MAX_VALUE);
    }

    private static void mkfifo(Path path) throws IOException, InterruptedException {
        assertThat(new ProcessBuilder("mkfifo", path.toString()).inheritIO().start().waitFor()).isZero();
    }

    @Test
    void aFifoAsTheWeightsIsRefusedInsteadOfBlocking() throws Exception {
        Path checkpoint = tiny();
        Path weights = checkpoint.resolve(Checkpoint.SINGLE_FILE);
        Files.delete(weights);
        mkfifo(weights);
        // opening a FIFO for reading blocks until a writer comes: before the check, this never returned
        assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                assertThatThrownBy(() -> Checkpoint.open(checkpoint)).isInstanceOf(CheckpointException.class)
                        .hasMessage(weights + ": is not a regular file (a FIFO, socket or device), so it is not read"));
    }

    @Test
    void aFifoAsTheConfigIsRefusedInsteadOfBlocking() throws Exception {
        Path checkpoint = tiny();
        Path config = checkpoint.resolve(ModelConfig.FILE_NAME);
        Files.delete(config);
        mkfifo(config);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                assertThatThrownBy(() -> Checkpoint.open(checkpoint)).isInstanceOf(CheckpointException.class)
                        .hasMessage(config + ": is not a regular file (a FIFO, socket or device), so it is not read"));
    }

    @Test
    void aDirectoryNamedLikeTheWeightsIsNamed() throws IOException {
        Path checkpoint = tiny();
        Path weights = checkpoint.resolve(Checkpoint.SINGLE_FILE);
        Files.delete(weights);
        Files.createDirectory(weights);
        assertThatThrownBy(() -> Checkpoint.open(checkpoint)).isInstanceOf(CheckpointException.class)
                .hasMessage(weights + ": is a directory, not a file");
    }

    @Test
    void aFullDiskNamesTheFileBeingWritten() throws IOException {
        Path full = Path.of("/dev/full");
        try (FileChannel channel = FileChannel.open(full, StandardOpenOption.WRITE)) {
            assertThatThrownBy(() -> AtomicFiles.writeFully(channel, ByteBuffer.wrap(new byte[4096]), full))
                    .isInstanceOf(IOException.class).hasMessage("/dev/full: No space left on device");
        }
    }
}
