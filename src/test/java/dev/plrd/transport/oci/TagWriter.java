package dev.plrd.transport.oci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A process that tags COUNT small manifests PREFIX-0.. in the layout at LAYOUT: one of several concurrent publishers. */
public final class TagWriter {
    private TagWriter() {
    }

    public static void main(String[] args) throws IOException {
        Path layout = Path.of(args[0]);
        String prefix = args[1];
        int count = Integer.parseInt(args[2]);
        try (OciLayoutStore store = OciLayoutStore.open(layout)) {
            for (int i = 0; i < count; i++) {
                String tag = prefix + "-" + i;
                store.putManifest(tag, "application/vnd.oci.image.manifest.v1+json",
                        ("{\"tag\":\"" + tag + "\"}").getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
