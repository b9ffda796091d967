package dev.plrd.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** A uint16 token file of counting runs (t + 1 follows t) from random starts: learnable, but not from one token. */
public final class CountingTokens {
    private CountingTokens() {
    }

    public static Path write(Path file, int tokens, int vocab, long seed) throws IOException {
        Random random = new Random(seed);
        ByteBuffer bytes = ByteBuffer.allocate(tokens * 2).order(ByteOrder.LITTLE_ENDIAN);
        int token = 0;
        for (int i = 0; i < tokens; i++) {
            token = random.nextInt(16) == 0 ? random.nextInt(vocab) : (token + 1) % vocab;
            bytes.putShort((short) token);
        }
        return Files.write(file, bytes.array());
    }
}
