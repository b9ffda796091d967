package dev.plrd.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.api.StageOutputs;
import dev.plrd.plan.WorkerContract.Flags;
import dev.plrd.transport.modelpack.MemberAnnotations;
import dev.plrd.transport.modelpack.ModelPackAnnotations;
import dev.plrd.transport.modelpack.ModelPackPublisher;
import dev.plrd.transport.oci.ArtifactStore;
import dev.plrd.transport.oci.ArtifactStores;
import dev.plrd.transport.oci.OciReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "publish", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  plrd publish --model models/tiny-half-healed \\",
                "    --to oci-layout://out/tiny-family:tiny-half \\",
                "    --evaluation models/tiny-half-healed.evaluate.json \\",
                "    --parent-uri file://$PWD/models/tiny"},
        description = "Publish a member checkpoint as a CNCF ModelPack OCI artifact (tag = member name), idempotently.")
public class PublishCommand extends StageCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = Flags.MODEL, required = true, paramLabel = "DIR", description = "The member's checkpoint (path or file://).")
    String model;

    @Option(names = Flags.TO, required = true, paramLabel = "REF",
            description = "oci://REGISTRY/REPO:TAG or oci-layout://PATH:TAG; the tag is the member's name.")
    String to;

    @Option(names = Flags.EVALUATION, required = true, paramLabel = "FILE",
            description = "The member's evaluation result JSON (plrd evaluate --report), annotated on the artifact.")
    Path evaluation;

    @Option(names = Flags.PARENT_URI, paramLabel = "URI[@REVISION]",
            description = "The first member's lineage: the base model it was derived from.")
    String parentUri;

    @Option(names = Flags.BASE_REPORT, paramLabel = "FILE",
            description = "With " + Flags.PARENT_URI + ": the first member's decompose result JSON, whose revision (the"
                    + " commit a Hub base resolved to) is annotated in place of the revision the spec named.")
    Path baseReport;

    @Option(names = Flags.PARENT_REPORT, paramLabel = "FILE",
            description = "A later member's lineage: the parent member's publish result JSON (its digest).")
    Path parentReport;

    @Option(names = Flags.PLAIN_HTTP, description = "Talk plain HTTP to the registry instead of HTTPS.")
    boolean plainHttp;

    @Override
    StageOutputs run() throws Exception {
        Path checkpoint = checkpointDirectory(Flags.MODEL, model);
        OciReference reference = reference(Flags.TO, to);
        if (reference.tag() == null) {
            throw new InvalidInput(Flags.TO + " " + to + ": publishing needs a tag (the member's name), not a digest");
        }
        if (parentUri != null && parentReport != null) {
            throw new InvalidInput(Flags.PARENT_URI + " and " + Flags.PARENT_REPORT
                    + " are exclusive: the first member's parent is the base, a later member's is the previous member");
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        if (parentUri != null) {
            annotations.putAll(MemberAnnotations.base(parentUri));
            String resolved = baseReport == null ? null : report(Flags.BASE_REPORT, baseReport).revision;
            if (resolved != null) {
                annotations.put(ModelPackAnnotations.BASE_REVISION, resolved);
            }
        }
        if (parentReport != null) {
            StageOutputs parent = report(Flags.PARENT_REPORT, parentReport);
            if (parent.digest == null) {
                throw new InvalidInput(Flags.PARENT_REPORT + " " + parentReport
                        + ": has no \"digest\"; expected the parent member's publish result");
            }
            annotations.putAll(MemberAnnotations.parent(parent.uri, parent.digest));
        }
        StageOutputs evaluated = report(Flags.EVALUATION, evaluation);
        if (evaluated.perplexity == null) {
            throw new InvalidInput(Flags.EVALUATION + " " + evaluation
                    + ": has no \"perplexity\"; expected the member's evaluation result");
        }
        annotations.putAll(MemberAnnotations.evaluation(evaluated.perplexity, evaluated.parentPerplexity,
                evaluated.evaluation));

        long start = System.nanoTime();
        try (ArtifactStore store = ArtifactStores.open(reference, new ArtifactStores.Options(plainHttp,
                baseArtifact()))) {
            ModelPackPublisher.Published published = new ModelPackPublisher(Clock.systemUTC(), System.err)
                    .publish(store, reference.tag(), checkpoint, annotations);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.err.printf(Locale.ROOT, "publish: %s@%s, %d of %d blobs uploaded (%,d of %,d bytes)%s, %.1f s%n",
                    reference, published.digest(), published.blobsUploaded(), published.blobs(),
                    published.bytesUploaded(), published.bytes(), published.unchanged() ? ", already published" : "",
                    seconds);
            StageOutputs out = new StageOutputs();
            out.uri = new OciReference(reference.layout(), reference.registry(), reference.repository(), null,
                    published.digest()).toString();
            out.digest = published.digest();
            out.parameters = published.summary().parameters();
            out.seconds = round(seconds, 1);
            return out;
        }
    }

    /** The base, when it is an artifact in a registry: its blobs may be mounted instead of uploaded. */
    private OciReference baseArtifact() {
        if (parentUri == null || !parentUri.startsWith("oci://")) {
            return null;
        }
        try {
            return OciReference.parse(parentUri);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static OciReference reference(String option, String value) throws InvalidInput {
        try {
            return OciReference.parse(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(option + " " + e.getMessage(), e);
        }
    }

    private static StageOutputs report(String option, Path file) throws InvalidInput {
        if (!Files.isRegularFile(file)) {
            throw new InvalidInput(option + " " + file + ": no such file; expected a stage result JSON");
        }
        try {
            return JSON.readValue(file.toFile(), StageOutputs.class);
        } catch (IOException e) {
            throw new InvalidInput(option + " " + file + ": not a stage result JSON: " + e.getMessage(), e);
        }
    }
}
