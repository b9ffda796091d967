package dev.plrd.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Text stored gzip- or zstd-compressed reads as the token stream of its plain form; broken files are named. */
class CompressedTextTest {
    /**
     * Made by the zstd command line tool 1.5.4, not by the library under test: two frames (one at level 19, one at
     * level 3 with --long=27), each with its XXH64 checksum, holding {@link #cliDocuments()} as two jsonl lines.
     */
    private static final String ZSTD_CLI_FIXTURE = """
            KLUv/QRo3QIAkoMLELAdA/MeepWEUgvZKasizsVgimD+/79t27bdtm3bJnRMIXfDWK5BEZR4kT0hAyWoEdDH+h1wk5IPETBAff//\
            /8+F4QvsfxJEDg0VEhoUFBjgVa0d4gqgq4O/VWkotS/9BFi9EgCm7WMagE2hAxhdNLy0lO80CR5Iyi13ksnzswubtAdqAFQAVgAu\
            bJViiYutQtgzYW9n52fHODtF7E3smdkiZonN1g17New/7HjYMYYdY1/snS1iidka9tizww4KKBwUBSxYFCQsFhYUZFAwYMPC4YDh\
            gQUODRFsULALBAWDAQsSFAgWDRwIoECAA8TCIUAi5yuEsFVOQ9j5IOXsXWfPfrYI3WfrxtmrI/Y3YseFiB07sS8i9oqGiK05K2V2\
            DGJ2xs1+kNkbnmG26Dbsq1SR07B1nmGLzLBnY9i7jh3j2Lmxt8JeVVRlZIatQmTY85Bhb/b6fH5UdJpzMTF5bFNz8swMW2M36uMe\
            Y9ixH3XsjR9b4zu2yIy9140dsxk7vsL+pbBXpLB1VFhiMgp7ZsXepdgpUsXOXextFBsAEwEz6shHZnQjoyrkQlb0oikqhIjQncjp\
            ZEQnGqJiummYaoiGbtAgD7ozOft8ZmK22YpJcbGVSdnlIy5iE99dN90vZBqy7RsPjcvwMPua4Zu7cXY3u1JeygR7qDE4C5tgZJQU\
            pYU2A8AiGRnjAxBg2wNUrEGgQIECWxAoUKBgFY4dK1SsQqBAgQIOQ20nEf/3FsuO2lRAJ94EFYW2ESFK8L+OKwxCPa5c16o9PYaA\
            h3NymesKKJJwCzQZfokjSAopU4cQPhHVsGwQABh3RJir2S8z+C0NQynEDBaVCAIVgZ8Lhu3FTVBzR+M4c46qpRTY5xdPQSfJJibl\
            A0aCEv52nN8DfqEj2oXt9S+N02KpbC2R8UIxRgJFuqZpGYtcBaiyql8=""";

    @TempDir
    Path dir;
    Path model;
    Path cache;

    @BeforeEach
    void tinyModel() throws Exception {
        model = TokenStreams.tinyModel(dir);
        cache = dir.resolve("cache");
    }

    /** Documents for several jsonl lines, and one .txt document longer than a piece, so it is read in parts. */
    private static List<String> lineDocuments() {
        return IntStream.range(0, 1000).mapToObj(i -> "Document " + i + " says \"" + Integer.toHexString(i * 7919)
                + "\"\twith é, ü and 漢字" + (i % 5 == 0 ? "\nand a second line." : "")).toList();
    }

    private static String longDocument() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() <= Pieces.MAX_CHARS + 50_000; i++) {
            sb.append("Line ").append(i).append(" of the long document, ").append(i * 31 % 97).append(" words.\n");
        }
        return sb.toString();
    }

    /** The corpus as files whose names end in suffix: a.jsonl and b.txt, plain or compressed. */
    private Path corpus(String name, String suffix) throws IOException {
        Path d = dir.resolve(name);
        TextFiles.write(d.resolve("a.jsonl" + suffix), lineDocuments().stream().map(TextFiles::jsonl)
                .collect(Collectors.joining()));
        TextFiles.write(d.resolve("b.txt" + suffix), longDocument());
        return d;
    }

    private long[] open(Path data) throws Exception {
        try (TokenDataset d = TokenDataset.open(data.toString(), 512, model, cache)) {
            return TokenStreams.all(d);
        }
    }

    private long cacheEntries() throws IOException {
        try (Stream<Path> entries = Files.list(cache)) {
            return entries.filter(e -> Files.isRegularFile(e.resolve(DatasetManifest.FILE_NAME))).count();
        }
    }

    @Test
    void gzipAndZstdFilesGiveTheTokensOfTheirPlainForm() throws Exception {
        // the plain form's tokens are checked against the tokenizer in TextDatasetTest; here the forms are compared
        long[] plain = open(corpus("plain", ""));
        long eos;
        try (TextTokenizer t = TextTokenizer.load(model)) {
            eos = t.eosId();
        }
        assertThat(LongStream.of(plain).filter(id -> id == eos).count()).as("documents").isEqualTo(lineDocuments().size() + 1);

        Path gz = corpus("gz", ".gz");
        Path zst = corpus("zst", ".zst");
        assertThat(Files.size(gz.resolve("a.jsonl.gz"))).isLessThan(Files.size(dir.resolve("plain/a.jsonl")) / 2);
        assertThat(open(gz)).isEqualTo(plain);
        assertThat(open(zst)).isEqualTo(plain);

        // keyed by the bytes as stored: the plain, gzip and zstd corpora are three entries
        assertThat(cacheEntries()).isEqualTo(3);
        Files.move(zst.resolve("a.jsonl.zst"), zst.resolve("a-renamed.jsonl.zst"));
        assertThat(open(zst)).isEqualTo(plain);
        assertThat(cacheEntries()).as("a renamed file with the same bytes reuses its entry").isEqualTo(3);
    }

    @Test
    void concatenatedGzipMembersAndZstdFramesAreReadWhole() throws Exception {
        String first = TextFiles.jsonl("The first part, compressed on its own.");
        String second = TextFiles.jsonl("The second part, appended later.");
        for (Compression c : List.of(Compression.GZIP, Compression.ZSTD)) {
            Path file = dir.resolve("appended.jsonl" + c.suffix());
            Files.write(file, concat(TextFiles.compress(c, first), TextFiles.compress(c, second)));
            assertThat(open(file)).as(c.label()).isEqualTo(TokenStreams.of(model, "The first part, compressed on its own.",
                    "The second part, appended later."));
        }
    }

    @Test
    void zstdWrittenByTheCommandLineToolIsRead() throws Exception {
        Path file = Files.write(dir.resolve("cli.jsonl.zst"), cliFixture());
        assertThat(open(file)).isEqualTo(TokenStreams.of(model, cliDocuments()));
    }

    /** What the command-line fixture holds, as the Python that made it wrote it. */
    private static String[] cliDocuments() {
        String words = IntStream.range(0, 400).mapToObj(i -> "word" + (i % 37)).collect(Collectors.joining(" "));
        String squares = "A second frame, as zstd writes for appended data: " + IntStream.range(0, 200)
                .mapToObj(i -> Integer.toString(i * i)).collect(Collectors.joining(", "));
        return new String[] {words, squares};
    }

    private static byte[] cliFixture() {
        return Base64.getDecoder().decode(ZSTD_CLI_FIXTURE);
    }

    @Test
    void truncatedOrCorruptFilesAreRejectedNamingThem() throws Exception {
        String text = lineDocuments().stream().map(TextFiles::jsonl).collect(Collectors.joining());
        for (Compression c : List.of(Compression.GZIP, Compression.ZSTD)) {
            byte[] whole = TextFiles.compress(c, text);
            byte[] corrupt = whole.clone();
            for (int i = whole.length / 2; i < whole.length / 2 + 16; i++) {
                corrupt[i] ^= (byte) 0x5A;
            }
            List<Path> broken = List.of(
                    Files.write(dir.resolve("cut-tail.jsonl" + c.suffix()), Arrays.copyOf(whole, whole.length - 4)),
                    Files.write(dir.resolve("cut-half.jsonl" + c.suffix()), Arrays.copyOf(whole, whole.length / 2)),
                    Files.write(dir.resolve("corrupt.jsonl" + c.suffix()), corrupt),
                    Files.writeString(dir.resolve("misnamed.jsonl" + c.suffix()), text.substring(0, 1000)));
            for (Path file : broken) {
                assertThatThrownBy(() -> open(file)).as(file.toString()).isInstanceOf(DataException.class)
                        .hasMessageStartingWith(file + ": not valid " + c.label() + " data: ")
                        .hasMessageEndingWith("(a truncated, corrupt or misnamed file)");
            }
        }
        byte[] fixture = cliFixture();
        fixture[fixture.length - 2] ^= 1; // the second frame's checksum
        Path badChecksum = Files.write(dir.resolve("bad-checksum.jsonl.zst"), fixture);
        assertThatThrownBy(() -> open(badChecksum)).hasMessageStartingWith(badChecksum + ": not valid zstd data: ");
        assertThat(Files.exists(cache) ? cacheEntries() : 0).isZero();
    }

    @Test
    void aFailureToReadTheFileItselfIsNotReportedAsBadData() throws Exception {
        IOException diskFailure = new IOException("Input/output error");
        for (Compression c : List.of(Compression.GZIP, Compression.ZSTD)) {
            byte[] whole = TextFiles.compress(c, lineDocuments().stream().map(TextFiles::jsonl).collect(Collectors.joining()));
            InputStream failing = new SequenceInputStream(new ByteArrayInputStream(whole, 0, whole.length / 2),
                    new InputStream() {
                        @Override
                        public int read() throws IOException {
                            throw diskFailure;
                        }
                    });
            try (InputStream decoded = DecodedInput.of(failing, c)) {
                assertThatThrownBy(decoded::readAllBytes).as(c.label()).isSameAs(diskFailure);
            }
            try (InputStream decoded = DecodedInput.of(new ByteArrayInputStream(whole, 0, whole.length / 2), c)) {
                assertThatThrownBy(decoded::readAllBytes).as(c.label()).isInstanceOf(DecodedInput.Undecodable.class);
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
