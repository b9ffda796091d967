package dev.plrd.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pre-tokenised data: which dtype is read, how files are found, and what is refused. */
class TokenDatasetFormatsTest {
    @TempDir
    Path dir;

    @Test
    void bareFileIsUint16WhenTheVocabularyFitsAndUint32Otherwise() throws Exception {
        Path small = TokenFiles.uint16(dir.resolve("small.bin"), 0, 511, 7, 65535 % 512);
        try (TokenDataset d = TokenDataset.open(small.toString(), 512, null, null)) {
            assertThat(d.tokens()).isEqualTo(4);
            assertThat(TokenStreams.all(d)).containsExactly(0, 511, 7, 65535 % 512);
            assertThat(d.describe()).contains(small.toString(), "uint16", "4 tokens");
        }
        Path edge = TokenFiles.uint16(dir.resolve("edge.bin"), 65535, 0);
        try (TokenDataset d = TokenDataset.open(edge.toString(), 65536, null, null)) {
            assertThat(TokenStreams.all(d)).containsExactly(65535, 0);
        }
        Path large = TokenFiles.uint32(dir.resolve("large.bin"), 70000, 1, 127999);
        try (TokenDataset d = TokenDataset.open("file://" + large, 128000, null, null)) {
            assertThat(d.tokens()).isEqualTo(3);
            assertThat(TokenStreams.all(d)).containsExactly(70000, 1, 127999);
            assertThat(d.describe()).contains("uint32");
        }
    }

    @Test
    void directoryOfBinFilesIsReadInNameOrderSkippingHiddenFiles() throws Exception {
        Path data = dir.resolve("data");
        TokenFiles.uint16(data.resolve("b.bin"), 4, 5);
        TokenFiles.uint16(data.resolve("a.bin"), 1, 2, 3);
        TokenFiles.uint16(data.resolve(".partial.bin"), 9, 9);
        Files.writeString(data.resolve("README"), "not a token file");
        try (TokenDataset d = TokenDataset.open(data.toString(), 512, null, null)) {
            assertThat(TokenStreams.all(d)).containsExactly(1, 2, 3, 4, 5);
            assertThat(d.describe()).contains(".bin, 2 files");
        }
    }

    @Test
    void datasetJsonDtypeWinsOverTheVocabularyRule() throws Exception {
        Path data = dir.resolve("tokens");
        TokenFiles.uint32(data.resolve("shard-00000.bin"), 10, 20, 30);
        TokenFiles.uint32(data.resolve("shard-00001.bin"), 40);
        TokenFiles.manifest(data, """
                {"format": "plrd-tokens/v1", "dtype": "uint32", "vocabSize": 512, "tokens": 4, "eosId": 1,
                 "shards": [{"file": "shard-00000.bin", "tokens": 3}, {"file": "shard-00001.bin", "tokens": 1}],
                 "maxTokenId": 40}""");
        try (TokenDataset d = TokenDataset.open(data.toString(), 512, null, null)) {
            assertThat(TokenStreams.all(d)).containsExactly(10, 20, 30, 40);
            assertThat(d.describe()).contains("plrd-tokens/v1", "uint32");
        }
        try (TokenDataset d = TokenDataset.open(data.resolve("dataset.json").toString(), 512, null, null)) {
            assertThat(d.tokens()).isEqualTo(4);
        }
    }

    @Test
    void vocabularyMismatchIsRejectedNamingFileIdAndVocabulary() throws Exception {
        Path bare = TokenFiles.uint16(dir.resolve("other-model.bin"), 5, 600, 7);
        assertThatThrownBy(() -> TokenDataset.open(bare.toString(), 512, null, null))
                .isInstanceOf(DataException.class)
                .hasMessageContaining(bare.toString()).hasMessageContaining("token id 600 at token 1")
                .hasMessageContaining("vocabulary size 512");

        Path declared = dir.resolve("declared");
        TokenFiles.uint16(declared.resolve("shard-00000.bin"), 5, 6);
        TokenFiles.manifest(declared, """
                {"format": "plrd-tokens/v1", "dtype": "uint16", "vocabSize": 32000, "tokens": 2,
                 "shards": [{"file": "shard-00000.bin", "tokens": 2}], "maxTokenId": 31999}""");
        assertThatThrownBy(() -> TokenDataset.open(declared.toString(), 512, null, null))
                .isInstanceOf(DataException.class)
                .hasMessageContaining(declared.resolve("dataset.json").toString())
                .hasMessageContaining("maxTokenId 31999").hasMessageContaining("vocabulary size 512");

        Path scanned = dir.resolve("scanned");
        TokenFiles.uint16(scanned.resolve("shard-00000.bin"), 5, 6);
        TokenFiles.uint16(scanned.resolve("shard-00001.bin"), 7, 700);
        TokenFiles.manifest(scanned, """
                {"format": "plrd-tokens/v1", "dtype": "uint16", "vocabSize": 1000, "tokens": 4,
                 "shards": [{"file": "shard-00000.bin", "tokens": 2}, {"file": "shard-00001.bin", "tokens": 2}]}""");
        assertThatThrownBy(() -> TokenDataset.open(scanned.toString(), 512, null, null))
                .hasMessageContaining(scanned.resolve("shard-00001.bin").toString())
                .hasMessageContaining("token id 700 at token 1");
    }

    @Test
    void missingEmptyAndRemoteDatasetsAreRejected() throws Exception {
        assertThatThrownBy(() -> TokenDataset.open(dir.resolve("absent").toString(), 512, null, null))
                .isInstanceOf(DataException.class).hasMessageContaining("absent: no such file or directory");
        assertThatThrownBy(() -> TokenDataset.open("s3://bucket/corpus", 512, null, null))
                .isInstanceOf(DataException.class)
                .hasMessage("s3://bucket/corpus: only local datasets (a path or file://) can be read");
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> TokenDataset.open(empty.toString(), 512, null, null))
                .hasMessageContaining(empty + ": no dataset.json, .bin, .txt or .jsonl files");
        Path zero = Files.createFile(dir.resolve("zero.bin"));
        assertThatThrownBy(() -> TokenDataset.open(zero.toString(), 512, null, null))
                .hasMessageContaining(zero + ": holds no tokens");
        Path other = Files.writeString(dir.resolve("corpus.csv"), "x");
        assertThatThrownBy(() -> TokenDataset.open(other.toString(), 512, null, null))
                .hasMessageContaining("not a dataset file");
    }

    @Test
    void brokenFilesAreRejectedNamingThem() throws Exception {
        Path odd = Files.write(dir.resolve("odd.bin"), new byte[] {1, 0, 2});
        assertThatThrownBy(() -> TokenDataset.open(odd.toString(), 512, null, null))
                .hasMessageContaining(odd + ": 3 bytes is not a whole number of uint16 tokens");

        Path shortShard = dir.resolve("short");
        TokenFiles.uint16(shortShard.resolve("shard-00000.bin"), 1, 2);
        TokenFiles.manifest(shortShard, """
                {"format": "plrd-tokens/v1", "dtype": "uint16", "vocabSize": 512, "tokens": 3,
                 "shards": [{"file": "shard-00000.bin", "tokens": 3}], "maxTokenId": 2}""");
        assertThatThrownBy(() -> TokenDataset.open(shortShard.toString(), 512, null, null))
                .hasMessageContaining(shortShard.resolve("shard-00000.bin") + ": 4 bytes, but dataset.json gives 3");

        Path escaping = dir.resolve("escaping");
        Files.createDirectories(escaping);
        TokenFiles.manifest(escaping, """
                {"format": "plrd-tokens/v1", "dtype": "uint16", "vocabSize": 512, "tokens": 2,
                 "shards": [{"file": "../odd.bin", "tokens": 2}]}""");
        assertThatThrownBy(() -> TokenDataset.open(escaping.toString(), 512, null, null))
                .hasMessageContaining("must be a plain file name");

        Path wrongFormat = dir.resolve("wrong");
        Files.createDirectories(wrongFormat);
        TokenFiles.manifest(wrongFormat, "{\"format\": \"megatron\", \"dtype\": \"uint16\"}");
        assertThatThrownBy(() -> TokenDataset.open(wrongFormat.toString(), 512, null, null))
                .hasMessageContaining("format 'megatron' is not plrd-tokens/v1");

        Path mixed = dir.resolve("mixed");
        TokenFiles.uint16(mixed.resolve("a.bin"), 1);
        Files.writeString(mixed.resolve("b.txt"), "text");
        assertThatThrownBy(() -> TokenDataset.open(mixed.toString(), 512, null, null))
                .hasMessageContaining("mixes token files");
    }

    @Test
    void readsAcrossMappingAndShardBoundaries() throws IOException {
        Path a = TokenFiles.uint32(dir.resolve("a.bin"), TokenFiles.range(0, 10));
        Path empty = TokenFiles.uint32(dir.resolve("b.bin"));
        Path c = TokenFiles.uint32(dir.resolve("c.bin"), TokenFiles.range(10, 7));
        TokenShards shards = TokenShards.map(List.of(new TokenShards.Shard(a, 10), new TokenShards.Shard(empty, 0),
                new TokenShards.Shard(c, 7)), TokenDType.UINT32, 12);
        for (int from = 0; from < 17; from++) {
            for (int count = 0; from + count <= 17; count++) {
                long[] into = new long[count + 1];
                shards.read(from, into, 1, count);
                assertThat(into).as("from %d count %d", from, count).containsExactly(prefixed(from, count));
            }
        }
        assertThat(shards.firstAtLeast(13)).isEqualTo(13);
        assertThat(shards.fileOf(13)).isEqualTo(c);
        assertThat(shards.offsetInFile(13)).isEqualTo(3);
        assertThat(shards.fileOf(10)).isEqualTo(c);
    }

    /** A zero where the read left into[0] alone, then the ids from on. */
    private static long[] prefixed(int from, int count) {
        long[] expected = new long[count + 1];
        System.arraycopy(TokenFiles.range(from, count), 0, expected, 1, count);
        return expected;
    }

    @Test
    void readsPastTwoGibInASparseShard() throws Exception {
        long far = 1_200_000_000L; // uint16 tokens: byte offset 2.4e9, past 2 GiB and a mapping boundary
        Path data = Files.createDirectory(dir.resolve("big"));
        try (FileChannel ch = FileChannel.open(data.resolve("shard-00000.bin"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ByteBuffer ids = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 11)
                    .putShort((short) 22).putShort((short) 33).putShort((short) 44).flip();
            ch.write(ids, (far - 2) * 2);
        }
        long tokens = far + 2;
        TokenFiles.manifest(data, """
                {"format": "plrd-tokens/v1", "dtype": "uint16", "vocabSize": 512, "tokens": %d,
                 "shards": [{"file": "shard-00000.bin", "tokens": %d}], "maxTokenId": 44}""".formatted(tokens, tokens));
        try (TokenDataset d = TokenDataset.open(data.toString(), 512, null, null)) {
            Split all = d.split(SplitName.ALL, 3);
            long[] window = new long[4];
            all.window(all.windows() - 1, window);
            long start = (all.windows() - 1) * 3;
            assertThat(start + 4).isEqualTo(tokens - 1);
            assertThat(window).containsExactly(0, 11, 22, 33);
        }
    }
}
