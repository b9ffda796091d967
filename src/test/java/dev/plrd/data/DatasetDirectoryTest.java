package dev.plrd.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dataset directories laid out as Hub or S3 snapshots: nested, with repository files that are not data. */
class DatasetDirectoryTest {
    @TempDir
    Path dir;
    Path model;
    Path cache;

    @BeforeEach
    void tinyModel() throws Exception {
        model = TokenStreams.tinyModel(dir);
        cache = dir.resolve("cache");
    }

    /** Files of a snapshot that are not data; none of them may be read or refused. */
    private static void repositoryFiles(Path snapshot) throws Exception {
        TextFiles.write(snapshot.resolve("README.md"), "---\nlicense: mit\n---\n# A corpus\n");
        TextFiles.write(snapshot.resolve(".gitattributes"), "*.zst filter=lfs diff=lfs merge=lfs -text\n");
        TextFiles.write(snapshot.resolve("LICENSE"), "MIT License\n");
        TextFiles.write(snapshot.resolve("corpus.py"), "import datasets\n");
        TextFiles.write(snapshot.resolve("dataset_infos.json"), "{\"default\": {}}\n");
        TextFiles.write(snapshot.resolve("data/.train.jsonl.zst.partial"), "{\"text\": \"a partial download\"}\n");
        TextFiles.write(snapshot.resolve(".cache/huggingface/download/data/train.jsonl"), "{\"text\": \"hidden\"}\n");
    }

    @Test
    void aSnapshotIsReadInPathOrderNameByNameLeavingOutWhatIsNotData() throws Exception {
        Path snapshot = dir.resolve("snapshot");
        repositoryFiles(snapshot);
        TextFiles.write(snapshot.resolve("z-notes.txt.zst"), "Last, at the top.");
        TextFiles.write(snapshot.resolve("data-extra/more.jsonl"), TextFiles.jsonl("After all of data/."));
        TextFiles.write(snapshot.resolve("data/validation/part.txt.gz"), "After the training shards.");
        TextFiles.write(snapshot.resolve("data/train-00001-of-00002.jsonl.gz"), TextFiles.jsonl("Second shard."));
        TextFiles.write(snapshot.resolve("data/train-00000-of-00002.jsonl.zst"), TextFiles.jsonl("First shard.")
                + TextFiles.jsonl("First shard, second line."));
        TextFiles.write(snapshot.resolve("a-intro.txt"), "First of all, at the top.");

        try (TokenDataset d = TokenDataset.open(snapshot.toString(), 512, model, cache)) {
            assertThat(TokenStreams.all(d)).isEqualTo(TokenStreams.of(model, "First of all, at the top.", "First shard.",
                    "First shard, second line.", "Second shard.", "After the training shards.", "After all of data/.",
                    "Last, at the top."));
            assertThat(d.describe()).contains("text, 6 files");
        }
        List<TextFile> jsonl = TextFile.resolve(List.of(snapshot), Optional.of(TextFormat.JSONL), TextFile.DEFAULT_FIELD);
        assertThat(jsonl).extracting(f -> snapshot.relativize(f.path()).toString()).containsExactly(
                "data/train-00000-of-00002.jsonl.zst", "data/train-00001-of-00002.jsonl.gz", "data-extra/more.jsonl");
        assertThat(TextFile.resolve(List.of(snapshot), Optional.empty(), TextFile.DEFAULT_FIELD)).hasSize(6);
    }

    @Test
    void tokenFilesInSubdirectoriesAreReadInPathOrder() throws Exception {
        Path snapshot = dir.resolve("tokens");
        repositoryFiles(snapshot);
        TokenFiles.uint16(snapshot.resolve("train/part-b/00.bin"), 5, 6);
        TokenFiles.uint16(snapshot.resolve("train/part-a/01.bin"), 3, 4);
        TokenFiles.uint16(snapshot.resolve("train/part-a/00.bin"), 1, 2);
        TokenFiles.uint16(snapshot.resolve("train.bin"), 0);
        try (TokenDataset d = TokenDataset.open(snapshot.toString(), 512, null, null)) {
            assertThat(TokenStreams.all(d)).containsExactly(1, 2, 3, 4, 5, 6, 0);
            assertThat(d.describe()).contains(".bin, 4 files");
        }
    }

    @Test
    void aDirectoryWithoutDataSaysWhatItLeftOut() throws Exception {
        Path snapshot = dir.resolve("docs-only");
        repositoryFiles(snapshot);
        assertThatThrownBy(() -> TokenDataset.open(snapshot.toString(), 512, model, cache))
                .isInstanceOf(DataException.class)
                .hasMessage(snapshot + ": no dataset.json, .bin, .txt or .jsonl files (text also as .gz or .zst) in this"
                        + " directory or below (left out 4 files, such as LICENSE, README.md, corpus.py)");
        assertThatThrownBy(() -> TextFile.resolve(List.of(snapshot), Optional.empty(), TextFile.DEFAULT_FIELD))
                .hasMessage(snapshot + ": no .txt or .jsonl files (plain, .gz or .zst) in this directory or below");
    }

    @Test
    void parquetIsRefusedNamingTheFileAndHowToConvertIt() throws Exception {
        Path snapshot = dir.resolve("parquet");
        repositoryFiles(snapshot);
        Path parquet = Files.write(Files.createDirectories(snapshot.resolve("data")).resolve("train-00000-of-00001.parquet"),
                new byte[] {'P', 'A', 'R', '1'});
        String refusal = parquet + ": is Parquet, which plrd does not read (the Java Parquet readers need Hadoop);"
                + " convert it to .jsonl or .jsonl.zst, one JSON object with a \"text\" field per line, for example with"
                + " python -c \"import pandas; pandas.read_parquet('train-00000-of-00001.parquet')"
                + ".to_json('train-00000-of-00001.jsonl', orient='records', lines=True, force_ascii=False)\" in its"
                + " directory, or datasets' Dataset.from_parquet(...).to_json(...)";
        assertThatThrownBy(() -> TokenDataset.open(snapshot.toString(), 512, model, cache))
                .isInstanceOf(DataException.class).hasMessage(refusal);
        assertThatThrownBy(() -> TokenDataset.open(parquet.toString(), 512, model, cache)).hasMessage(refusal);
        assertThatThrownBy(() -> TextFile.resolve(List.of(snapshot), Optional.empty(), TextFile.DEFAULT_FIELD))
                .hasMessage(refusal);

        // beside readable data too: a corpus is never read in part without a word
        TextFiles.write(snapshot.resolve("data/validation.jsonl"), TextFiles.jsonl("Readable."));
        assertThatThrownBy(() -> TokenDataset.open(snapshot.toString(), 512, model, cache)).hasMessage(refusal);
    }

    @Test
    void compressedTokenFilesNestedTokenisedDatasetsAndMixedTreesAreRefused() throws Exception {
        Path compressedBin = dir.resolve("compressed-bin");
        TokenFiles.uint16(compressedBin.resolve("a.bin"), 1, 2);
        Path zst = Files.write(compressedBin.resolve("b.bin.zst"), TextFiles.compress(Compression.ZSTD, "x"));
        assertThatThrownBy(() -> TokenDataset.open(compressedBin.toString(), 512, null, null))
                .isInstanceOf(DataException.class)
                .hasMessage(zst + ": token files are memory-mapped, so they cannot be read compressed; decompress it"
                        + " (zstd -d)");

        Path nested = dir.resolve("nested");
        TokenFiles.uint16(nested.resolve("tokens/shard-00000.bin"), 1, 2);
        TokenFiles.manifest(nested.resolve("tokens"), "{}");
        assertThatThrownBy(() -> TokenDataset.open(nested.toString(), 512, null, null))
                .hasMessageStartingWith(nested.resolve("tokens/dataset.json") + ": a tokenised dataset in a subdirectory;"
                        + " give that directory as the dataset");

        Path mixed = dir.resolve("mixed");
        TokenFiles.uint16(mixed.resolve("tokens/a.bin"), 1);
        TextFiles.write(mixed.resolve("text/b.jsonl.gz"), TextFiles.jsonl("text"));
        assertThatThrownBy(() -> TokenDataset.open(mixed.toString(), 512, model, cache))
                .hasMessageContaining(mixed + ": mixes token files");
    }
}
