package dev.plrd.transport.oci;

import java.nio.file.Path;

/**
 * Pushes a file as a blob to a plain-HTTP registry with the default settings, then pulls it back
 * to a second path: run in a JVM of its own with a small heap, to show that neither direction holds
 * a blob in memory. Arguments: REGISTRY REPOSITORY FILE PULLED_TO.
 */
public final class RegistryPushProcess {
    private RegistryPushProcess() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[2]);
        Descriptor blob = RegistryTestBlobs.describe(file);
        try (RegistryStore store = new RegistryStore(args[0], args[1], RegistryStore.Settings.of(true, RegistryCredentials.ANONYMOUS))) {
            store.putBlob(blob, file);
            store.getBlob(blob, Path.of(args[3]));
        }
        Runtime runtime = Runtime.getRuntime();
        System.out.println("max heap " + runtime.maxMemory() / (1 << 20) + " MiB, used at the end "
                + (runtime.totalMemory() - runtime.freeMemory()) / (1 << 20) + " MiB");
    }
}
