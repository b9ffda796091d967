package dev.plrd.transport.oci;

import dev.plrd.transport.modelpack.ModelPack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import land.oras.ArtifactType;
import land.oras.Config;
import land.oras.ContainerRef;
import land.oras.Layer;
import land.oras.LocalPath;
import land.oras.Manifest;
import land.oras.Registry;

/**
 * Pushes files and a manifest to a plain-HTTP registry with the ORAS Java SDK, for RegistryStoreBench:
 * a JVM of its own, so that its heap limit and its {@code java.io.tmpdir} (where the SDK copies
 * files) are the bench's to choose. Prints one line: {@code seconds=S peakHeapMiB=P maxHeapMiB=M
 * tmpFiles=N tmpMiB=T}, the push's time, the highest used heap seen while it ran (sampled every
 * 5 ms), and what the push left in {@code java.io.tmpdir}.
 *
 * <p>Arguments: MODE REFERENCE FILE..., MODE {@code blobs} (one {@code pushBlob(ref, Path, annotations)}
 * per file, then the empty config and the manifest: the SDK's least work per byte) or
 * {@code artifact} ({@code pushArtifact}, the SDK's one call for "these files as an artifact").
 */
public final class OrasSdkPushProcess {
    private OrasSdkPushProcess() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3 || !(args[0].equals("blobs") || args[0].equals("artifact"))) {
            throw new IllegalArgumentException("usage: blobs|artifact REGISTRY/REPOSITORY:TAG FILE...");
        }
        ContainerRef ref = ContainerRef.parse(args[1]);
        List<Path> files = Stream.of(args).skip(2).map(Path::of).toList();
        Registry registry = Registry.builder().insecure().build();
        ArtifactType type = ArtifactType.from(ModelPack.ARTIFACT_TYPE);

        HeapSampler heap = HeapSampler.begin();
        long start = System.nanoTime();
        if (args[0].equals("blobs")) {
            List<Layer> layers = new ArrayList<>();
            for (Path file : files) {
                layers.add(registry.pushBlob(ref, file,
                        Map.of("org.opencontainers.image.title", file.getFileName().toString()))
                        .withMediaType(ModelPack.WEIGHT_RAW));
            }
            Config config = registry.pushConfig(ref, Config.empty());
            registry.pushManifest(ref, Manifest.empty().withArtifactType(type).withLayers(layers).withConfig(config));
        } else {
            registry.pushArtifact(ref, type, files.stream().map(f -> LocalPath.of(f, ModelPack.WEIGHT_RAW))
                    .toArray(LocalPath[]::new));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long peak = heap.end();

        long tmpFiles;
        long tmpBytes = 0;
        try (Stream<Path> left = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            List<Path> paths = left.toList();
            tmpFiles = paths.size();
            for (Path p : paths) {
                tmpBytes += Files.size(p);
            }
        }
        System.out.printf("seconds=%.3f peakHeapMiB=%d maxHeapMiB=%d tmpFiles=%d tmpMiB=%d%n", seconds, peak >> 20,
                Runtime.getRuntime().maxMemory() >> 20, tmpFiles, tmpBytes >> 20);
    }

    /** The highest used heap seen by a daemon thread that looks every 5 ms. */
    private static final class HeapSampler implements Runnable {
        private final Thread thread = new Thread(this, "heap-sampler");
        private volatile boolean running = true;
        private volatile long peak;

        static HeapSampler begin() {
            HeapSampler sampler = new HeapSampler();
            sampler.thread.setDaemon(true);
            sampler.thread.start();
            return sampler;
        }

        @Override
        public void run() {
            Runtime runtime = Runtime.getRuntime();
            while (running) {
                peak = Math.max(peak, runtime.totalMemory() - runtime.freeMemory());
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** Stops sampling; the peak seen. */
        long end() throws InterruptedException {
            running = false;
            thread.join();
            return peak;
        }
    }
}
