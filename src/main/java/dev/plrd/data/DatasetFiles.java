package dev.plrd.data;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;

/**
 * The files of a dataset directory, laid out as a Hub or S3 snapshot keeps a repository's paths
 * ({@code data/train-00000-of-00004.jsonl.zst}, {@code README.md}, {@code .gitattributes}): every regular file in it
 * and in its subdirectories, links followed, leaving out hidden files and directories (a name that starts with a
 * dot: {@code .git}, {@code .cache}), in the order of their paths relative to the directory, compared name by name
 * so that a directory's files stay together ({@code data/b} before {@code data-extra/a}).
 */
final class DatasetFiles {
    private static final Comparator<Path> NAME_BY_NAME = DatasetFiles::compareNameByName;

    private DatasetFiles() {
    }

    static List<Path> under(Path dir) throws IOException {
        List<Path> relative = new ArrayList<>();
        Files.walkFileTree(dir, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                return !d.equals(dir) && hidden(d) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && !hidden(file)) {
                    relative.add(dir.relativize(file));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        relative.sort(NAME_BY_NAME);
        return relative.stream().map(dir::resolve).toList();
    }

    /** Parquet is refused as the fetch refuses it, with a way to convert it. */
    static DataException parquet(Path file) {
        return new DataException(DatasetFileKinds.parquetAdvice(file));
    }

    private static boolean hidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }

    private static int compareNameByName(Path a, Path b) {
        int common = Math.min(a.getNameCount(), b.getNameCount());
        for (int i = 0; i < common; i++) {
            int c = a.getName(i).toString().compareTo(b.getName(i).toString());
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.getNameCount(), b.getNameCount());
    }
}
