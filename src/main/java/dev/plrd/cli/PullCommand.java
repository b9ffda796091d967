package dev.plrd.cli;

import dev.plrd.api.StageOutputs;
import dev.plrd.plan.WorkerContract.Flags;
import dev.plrd.transport.modelpack.ModelPackPuller;
import dev.plrd.transport.oci.ArtifactStore;
import dev.plrd.transport.oci.ArtifactStores;
import dev.plrd.transport.oci.OciReference;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "pull", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  plrd pull oci-layout://out/tiny-family:tiny-half --to models/tiny-half-pulled"},
        description = "Restore a member checkpoint, byte for byte, from its ModelPack OCI artifact.")
public class PullCommand extends StageCommand {
    @Parameters(index = "0", paramLabel = "REF",
            description = "oci://REGISTRY/REPO:TAG, oci://REGISTRY/REPO@sha256:..., or oci-layout://PATH:TAG.")
    String from;

    @Option(names = Flags.TO, required = true, paramLabel = "DIR", description = "The checkpoint directory to create.")
    Path to;

    @Option(names = Flags.PLAIN_HTTP, description = "Talk plain HTTP to the registry instead of HTTPS.")
    boolean plainHttp;

    @Override
    StageOutputs run() throws Exception {
        OciReference reference = PublishCommand.reference("REF", from);
        long start = System.nanoTime();
        try (ArtifactStore store = ArtifactStores.open(reference, new ArtifactStores.Options(plainHttp))) {
            ModelPackPuller.Pulled pulled = ModelPackPuller.pull(store, reference.reference(), reference.toString(), to);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.err.printf(Locale.ROOT, "pull: %s (%s) -> %s, %d files, %,d bytes, %.1f s%n", reference,
                    pulled.digest(), to, pulled.files(), pulled.bytes(), seconds);
            StageOutputs out = new StageOutputs();
            out.uri = to.toAbsolutePath().toString();
            out.digest = pulled.digest();
            out.seconds = round(seconds, 1);
            return out;
        }
    }
}
