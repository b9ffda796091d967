import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.jni.LibUtils;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_full;

/**
 * Extracts the worker's native libraries into DIR, in the cache layouts that DJL and JavaCPP read
 * at run time: PyTorch (about 450 MB) and its JNI library under DIR/djl, the Hugging Face
 * tokenizers under DIR/djl/tokenizers, OpenBLAS and JavaCPP's JNI libraries in DIR/openblas. The
 * image ships DIR and points DJL_CACHE_DIR and ENGINE_CACHE_DIR at DIR/djl and java.library.path
 * (with org.bytedeco.javacpp.pathsFirst) at DIR/openblas, so a stage pod loads the libraries in
 * place instead of extracting about 570 MB into /tmp on every start.
 *
 * OpenBLAS is flattened into one folder instead of being left in JavaCPP's cache layout, because
 * JavaCPP uses a cache folder only when it may write to it, which a read-only image folder is not;
 * with pathsFirst it loads from java.library.path and only writes symbolic links to its cache.
 *
 * Run with the application's classpath, by the loaders themselves (so the layout is exactly what
 * they look for):
 *   java -cp 'target/quarkus-app/lib/main/*' scripts/image/ExtractNatives.java DIR
 */
public class ExtractNatives {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: ExtractNatives DIR (an empty or missing folder)");
            System.exit(2);
        }
        Path dir = Path.of(args[0]).toAbsolutePath();
        if (Files.isDirectory(dir) && Files.list(dir).findAny().isPresent()) {
            System.err.println("ExtractNatives: " + dir + " is not empty; remove it first");
            System.exit(2);
        }
        Path djl = dir.resolve("djl");
        // The loaders read these properties when they first run, so they are set before any load.
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("DJL_CACHE_DIR", djl.toString());
        System.setProperty("ENGINE_CACHE_DIR", djl.toString());
        Path javacppCache = Files.createTempDirectory("javacpp-cache");
        System.setProperty("org.bytedeco.javacpp.cachedir", javacppCache.toString());

        Engine pytorch = Engine.getEngine("PyTorch");
        LibUtils.checkStatus();
        Loader.load(openblas_full.class);
        flatten(javacppCache, dir.resolve("openblas"));
        System.out.println("ExtractNatives: PyTorch " + pytorch.getVersion()
                + ", HF tokenizers and OpenBLAS extracted into " + dir);
    }

    /**
     * Copies every library in JavaCPP's cache (one folder per jar and platform) into one folder,
     * symbolic links as links. A name found twice (libgcc_s from two jars) keeps its first copy in
     * path order, so the result does not depend on the file system's listing order.
     */
    static void flatten(Path cache, Path target) throws IOException {
        Files.createDirectories(target);
        List<Path> libraries;
        try (Stream<Path> files = Files.walk(cache)) {
            libraries = files.filter(f -> f.getFileName().toString().contains(".so"))
                    .sorted(Comparator.comparing(Path::toString)).collect(Collectors.toList());
        }
        for (Path library : libraries) {
            Path copy = target.resolve(library.getFileName().toString());
            if (!Files.exists(copy, LinkOption.NOFOLLOW_LINKS)) {
                Files.copy(library, copy, LinkOption.NOFOLLOW_LINKS);
            }
        }
        try (Stream<Path> files = Files.walk(cache)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(f);
            }
        }
    }
}
