package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.plrd.kube.KubeApiServer;
import dev.plrd.kube.SharedKubeApiServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed CRD on a real API server, and {@code plrd validate} judging manifests as that
 * server does: the same verdict, the same fields, and for every CEL rule the same message.
 */
@ExtendWith(SharedKubeApiServer.class)
class ValidateAgreesWithApiServerIT {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path CRD = Path.of("crds/modelfamilies.plrd.dev-v1.yml");
    private static final String NAMESPACE = "validate-agrees";
    private static final String CEL_SKIPPED = "some validation rules were not checked because the object was invalid; "
            + "correct the existing errors to complete validation";

    /** How validate names the whole object where the server's cause has no field ("<nil>"). */
    private static final String WHOLE_OBJECT = "(object)";

    /** A field and what is wrong with it, as the server's causes and validate's lines both give them. */
    record Complaint(String field, String message) {
        /** spec.members[3].name and spec.members[0].name are the same rule: spec.members[*].name. */
        String rulePath() {
            return field.replaceAll("\\[[^]]*]", "[*]");
        }
    }

    /** A generated manifest: its name, whether the server must accept it, and what it changes in the whole object. */
    record Case(String name, boolean valid, Consumer<ObjectNode> change) {
    }

    @TempDir
    Path dir;

    @BeforeAll
    static void installCrd(KubeApiServer server) throws IOException {
        KubernetesClient admin = server.admin();
        CustomResourceDefinition crd = admin.getKubernetesSerialization().unmarshal(Files.readString(CRD),
                CustomResourceDefinition.class);
        admin.resource(crd).fieldManager("plrd-tests").forceConflicts().serverSideApply();
        admin.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions().stream()
                        .anyMatch(x -> x.getType().equals("Established") && x.getStatus().equals("True")),
                        60, TimeUnit.SECONDS);
        for (String ns : List.of(NAMESPACE, "ml-team")) {
            admin.resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                    .fieldManager("plrd-tests").serverSideApply();
        }
    }

    @Test
    void everyExampleIsAcceptedByServerAndValidate(KubeApiServer server) throws IOException {
        List<Path> examples;
        try (Stream<Path> files = Files.list(Path.of("examples"))) {
            examples = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(examples).isNotEmpty();
        for (Path example : examples) {
            for (JsonNode doc : YAML.readValues(YAML.getFactory().createParser(example.toFile()), JsonNode.class)
                    .readAll()) {
                assertThat(serverComplaints(server, (ObjectNode) doc)).as("server on %s", example).isEmpty();
            }
            Plrd.Run run = Plrd.run("validate", example);
            assertThat(run.code()).as("validate %s: %s", example, run.err()).isZero();
        }
    }

    @Test
    void validateAndServerAgreeOnEveryGeneratedManifest(KubeApiServer server) throws IOException {
        List<Case> cases = cases();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(30);
        Set<String> rulesBroken = new TreeSet<>();
        List<String> disagreements = new ArrayList<>();
        for (Case c : cases) {
            ObjectNode manifest = baseManifest(c.name());
            c.change().accept(manifest);
            List<Complaint> byServer = serverComplaints(server, manifest);
            List<Complaint> byValidate = validateComplaints(manifest, c.name());
            if (c.valid() != byServer.isEmpty()) {
                disagreements.add(c.name() + ": expected " + (c.valid() ? "valid" : "invalid") + ", server says "
                        + byServer);
            }
            for (Complaint s : byServer) {
                String rule = ruleMessage(s);
                if (rule != null) {
                    rulesBroken.add(s.rulePath() + ": " + rule);
                    if (!byValidate.contains(new Complaint(s.field(), rule))) {
                        disagreements.add(c.name() + ": server says " + s + ", validate says " + byValidate);
                    }
                } else if (byValidate.stream().noneMatch(v -> v.field().equals(s.field()))) {
                    disagreements.add(c.name() + ": server says " + s + ", validate names no " + s.field()
                            + ": " + byValidate);
                }
            }
            for (Complaint v : byValidate) {
                if (byServer.stream().noneMatch(s -> s.field().equals(v.field()))) {
                    disagreements.add(c.name() + ": validate says " + v + ", server says " + byServer);
                }
            }
        }
        assertThat(disagreements).isEmpty();
        assertThat(rulesBroken).as("every x-kubernetes-validations rule of %s has a case that breaks it", CRD)
                .containsAll(crdRules());
    }

    /** The manifest the cases change: valid, with every optional field that carries a rule. */
    private static ObjectNode baseManifest(String name) throws IOException {
        return (ObjectNode) YAML.readTree("""
                apiVersion: plrd.dev/v1alpha1
                kind: ModelFamily
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  base:
                    uri: hf://mistralai/Mistral-7B-v0.1
                    revision: 26bca36bde8333b5d7f72e9ed20ccda6a618af24
                  members:
                    - name: m5b
                      targetParameters: 5B
                      training:
                        tokens: 2B
                    - name: m3b
                      targetParameters: 3.1B
                  training:
                    dataset: s3://corpus/train
                    tokens: 1B
                    globalBatchTokens: 4M
                    checkpointEveryTokens: 100M
                  evaluation:
                    dataset: s3://corpus/heldout
                    tokens: 10M
                    maxPerplexityRatio: 1.5
                  publish:
                    repository: registry.example.com/models/family
                  scheduling:
                    resources:
                      cpu: "8"
                      memory: 64Gi
                    runTimeout: 48h
                    startupTimeout: 30m
                  storage:
                    size: 500Gi
                """.formatted(name, NAMESPACE));
    }

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        cases.add(valid("as-written", spec -> { }));
        cases.add(valid("uri-oci", spec -> unpinned(spec, "oci://ghcr.io/team/model:v1")));
        cases.add(valid("uri-s3", spec -> unpinned(spec, "s3://bucket/models/mistral")));
        cases.add(valid("uri-pvc", spec -> unpinned(spec, "pvc://models/mistral")));
        cases.add(valid("uri-file", spec -> unpinned(spec, "file:///models/mistral")));
        cases.add(valid("uri-oci-pinned-to-a-digest", spec -> {
            set(spec, "base.uri", "oci://ghcr.io/team/model:v1");
            set(spec, "base.revision", "sha256:" + "0a".repeat(32));
        }));
        cases.add(invalid("revision-on-an-s3-base", spec -> set(spec, "base.uri", "s3://bucket/models/mistral")));
        cases.add(invalid("revision-on-a-pvc-base", spec -> set(spec, "base.uri", "pvc://models/mistral")));
        cases.add(invalid("tag-as-the-revision-of-an-oci-base", spec -> {
            set(spec, "base.uri", "oci://ghcr.io/team/model:v1");
            set(spec, "base.revision", "v1");
        }));
        cases.add(valid("one-fraction", spec -> members(spec, "r50=0.5")));
        cases.add(valid("three-fractions", spec -> members(spec, "r75=0.75", "r50=0.5", "r25=0.25")));
        cases.add(valid("sixteen-members", spec -> members(spec, Stream.iterate(16, i -> i - 1).limit(16)
                .map(i -> "m" + i + "b:" + i + "B").toArray(String[]::new))));
        cases.add(valid("plain-count-then-thousands", spec -> members(spec, "big:7000000", "small:500K")));
        cases.add(valid("trillions", spec -> members(spec, "t1:1T", "b900:900B")));
        cases.add(valid("durations", spec -> {
            set(spec, "scheduling.runTimeout", "1h30m");
            set(spec, "scheduling.startupTimeout", "45m");
        }));
        cases.add(valid("quantities", spec -> {
            set(spec, "scheduling.resources.cpu", "500m");
            set(spec, "scheduling.resources.memory", "1.5Gi");
            set(spec, "storage.size", "1Ti");
        }));
        cases.add(valid("dataset-schemes", spec -> {
            set(spec, "training.dataset", "https://data.example.com/corpus.jsonl");
            set(spec, "evaluation.dataset", "file:///data/heldout");
        }));
        cases.add(valid("repository-with-port", spec -> set(spec, "publish.repository", "registry.local:5000/team/models")));
        cases.add(valid("repository-oci-layout-relative", spec -> set(spec, "publish.repository", "oci-layout://family")));
        cases.add(valid("repository-oci-layout-absolute", spec -> set(spec, "publish.repository",
                "oci-layout:///srv/models/tiny_family-1.0")));
        cases.add(valid("every-free-form-field", spec -> {
            set(spec, "base.revision", "refs/tags/v1.0");
            set(spec, "base.credentialsSecret", "hf-token");
            set(spec, "training.credentialsSecret", "s3.credentials");
            set(spec, "publish.credentialsSecret", "registry-push");
            set(spec, "image", "registry.local:5000/plrd/plrd-operator:0.1.0");
            set(spec, "scheduling.gpu.product", "NVIDIA-H100-80GB-HBM3");
            set(spec, "scheduling.priorityClassName", "gpu-training");
            set(spec, "scheduling.queueName", "team-a.gpus");
            set(spec, "storage.storageClassName", "fast-ssd");
            spec.with("scheduling").with("nodeSelector").put("nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3")
                    .put("pool", "gpu_a");
            spec.with("scheduling").putArray("tolerations").addObject().put("key", "nvidia.com/gpu")
                    .put("operator", "Equal").put("value", "present").put("effect", "NoSchedule");
        }));
        cases.add(valid("image-by-digest", spec -> set(spec, "image", "ghcr.io/plrd-dev/plrd-operator@sha256:"
                + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")));

        cases.add(invalid("base-uri-scheme", spec -> set(spec, "base.uri", "ftp://models/mistral")));
        cases.add(invalid("evaluation-dataset-oci", spec -> set(spec, "evaluation.dataset", "oci://ghcr.io/d")));
        cases.add(invalid("evaluation-tokens", spec -> set(spec, "evaluation.tokens", "10X")));
        cases.add(invalid("duplicate-names", spec -> members(spec, "same:5B", "same:3B")));
        cases.add(invalid("mixed-sizes", spec -> members(spec, "a:5B", "b=0.3")));
        cases.add(invalid("increasing-sizes", spec -> members(spec, "a:3B", "b:5B")));
        cases.add(invalid("equal-sizes-written-differently", spec -> members(spec, "a:3B", "b:3000M")));
        cases.add(invalid("increasing-fractions", spec -> members(spec, "a=0.25", "b=0.5")));
        cases.add(invalid("both-sizes", spec -> {
            members(spec, "a:5B");
            ((ObjectNode) spec.get("members").get(0)).put("rankFraction", 0.5);
        }));
        cases.add(invalid("member-name", spec -> members(spec, "M_1:5B")));
        cases.add(invalid("fraction-above-one", spec -> members(spec, "a=1.5")));
        cases.add(invalid("target-with-space", spec -> members(spec, "a:5 B")));
        cases.add(invalid("member-tokens", spec -> set(spec, "members[0].training.tokens", "lots")));
        cases.add(invalid("repository-scheme", spec -> set(spec, "publish.repository", "https://registry.example.com/x")));
        cases.add(invalid("repository-tag", spec -> set(spec, "publish.repository", "registry.example.com/x:v1")));
        cases.add(invalid("repository-oci-layout-parent", spec -> set(spec, "publish.repository", "oci-layout://../family")));
        cases.add(invalid("repository-oci-layout-tag", spec -> set(spec, "publish.repository", "oci-layout://family:v1")));
        cases.add(invalid("repository-oci-layout-empty", spec -> set(spec, "publish.repository", "oci-layout://")));
        cases.add(invalid("cpu", spec -> set(spec, "scheduling.resources.cpu", "8 cores")));
        cases.add(invalid("memory", spec -> set(spec, "scheduling.resources.memory", "64GB")));
        cases.add(invalid("run-timeout", spec -> set(spec, "scheduling.runTimeout", "30 s")));
        cases.add(invalid("startup-timeout-iso", spec -> set(spec, "scheduling.startupTimeout", "PT30S")));
        cases.add(invalid("storage-size", spec -> set(spec, "storage.size", "lots")));
        cases.add(invalid("checkpoint-exponent", spec -> set(spec, "training.checkpointEveryTokens", "1e9")));
        cases.add(invalid("dataset-no-scheme", spec -> set(spec, "training.dataset", "corpus/train")));
        cases.add(invalid("batch-zero", spec -> set(spec, "training.globalBatchTokens", "0")));
        cases.add(invalid("tokens-beyond-1000t", spec -> set(spec, "training.tokens", "2000T")));
        cases.add(invalid("seventeen-members", spec -> members(spec, Stream.iterate(17, i -> i - 1).limit(17)
                .map(i -> "m" + i + "b:" + i + "B").toArray(String[]::new))));
        cases.add(invalid("no-members", spec -> spec.putArray("members")));
        cases.add(invalid("svd-method", spec -> set(spec, "decomposition.method", "magic")));
        cases.add(invalid("retries", spec -> spec.with("scheduling").put("retries", 21)));
        cases.add(invalid("perplexity-ratio", spec -> spec.with("evaluation").put("maxPerplexityRatio", 0.5)));
        cases.add(invalid("no-base-uri", spec -> ((ObjectNode) spec.get("base")).remove("uri")));
        cases.add(new Case("family-name-with-dots", false,
                manifest -> manifest.with("metadata").put("name", "family.with.dots")));
        cases.add(invalid("revision-at-file", spec -> set(spec, "base.revision", "@/proc/self/environ")));
        cases.add(invalid("revision-option", spec -> set(spec, "base.revision", "--help")));
        cases.add(invalid("revision-dot-dot", spec -> set(spec, "base.revision", "main/../../etc")));
        cases.add(invalid("base-secret", spec -> set(spec, "base.credentialsSecret", "HF_Token")));
        cases.add(invalid("training-secret", spec -> set(spec, "training.credentialsSecret", "-data")));
        cases.add(invalid("publish-secret", spec -> set(spec, "publish.credentialsSecret", "push secret")));
        cases.add(invalid("image-with-space", spec -> set(spec, "image", "ghcr.io/plrd/plrd:0.1 --privileged")));
        cases.add(invalid("gpu-product", spec -> set(spec, "scheduling.gpu.product", "NVIDIA H100")));
        cases.add(valid("gpu-memory", spec -> set(spec, "scheduling.gpu.memory", "80Gi")));
        cases.add(invalid("gpu-memory-not-a-quantity", spec -> set(spec, "scheduling.gpu.memory", "80GB")));
        cases.add(invalid("node-selector-key", spec -> spec.with("scheduling").with("nodeSelector")
                .put("bad key!", "x")));
        cases.add(invalid("node-selector-value", spec -> spec.with("scheduling").with("nodeSelector")
                .put("pool", "-gpu-")));
        cases.add(invalid("priority-class", spec -> set(spec, "scheduling.priorityClassName", "High_Priority")));
        cases.add(invalid("queue-name", spec -> set(spec, "scheduling.queueName", "team queue")));
        cases.add(invalid("toleration-key", spec -> spec.with("scheduling").putArray("tolerations").addObject()
                .put("key", "gpu key").put("operator", "Exists")));
        cases.add(invalid("toleration-value", spec -> spec.with("scheduling").putArray("tolerations").addObject()
                .put("key", "nvidia.com/gpu").put("operator", "Equal").put("value", "a b")));
        cases.add(invalid("storage-class", spec -> set(spec, "storage.storageClassName", "Fast_SSD")));
        cases.add(invalid("storage-size-zero", spec -> set(spec, "storage.size", "0")));
        cases.add(valid("two-nodes-of-eight-gpus", spec -> {
            gpu(spec, 8, 2);
            set(spec, "storage.accessMode", "ReadWriteMany");
        }));
        cases.add(invalid("two-nodes-on-the-default-access-mode", spec -> gpu(spec, 8, 2)));
        cases.add(invalid("two-nodes-on-read-write-once", spec -> {
            gpu(spec, 8, 2);
            set(spec, "storage.accessMode", "ReadWriteOnce");
        }));
        cases.add(valid("djl-on-one-gpu", spec -> {
            set(spec, "training.engine", "DJL");
            gpu(spec, 1, 1);
        }));
        cases.add(valid("djl-with-gpus-for-decompose-only", spec -> {
            set(spec, "training.engine", "DJL");
            gpu(spec, 4, 1).putArray("stages").add("decompose");
        }));
        cases.add(valid("torch-on-eight-gpus", spec -> {
            set(spec, "training.engine", "Torch");
            gpu(spec, 8, 1);
        }));
        cases.add(invalid("two-nodes-without-gpus", spec -> gpu(spec, 0, 2)));
        cases.add(invalid("two-nodes-without-gpus-for-train", spec -> gpu(spec, 8, 2).putArray("stages")
                .add("evaluate")));
        cases.add(invalid("no-nodes", spec -> gpu(spec, 1, 0)));
        cases.add(invalid("djl-on-eight-gpus", spec -> {
            set(spec, "training.engine", "DJL");
            gpu(spec, 8, 1);
        }));
        cases.add(invalid("djl-on-two-nodes", spec -> {
            set(spec, "training.engine", "DJL");
            gpu(spec, 1, 2);
        }));
        cases.add(invalid("unknown-engine", spec -> set(spec, "training.engine", "Jax")));
        return cases;
    }

    /** Sets scheduling.gpu.count and nodes; returns scheduling.gpu. */
    private static ObjectNode gpu(ObjectNode spec, int count, int nodes) {
        return spec.with("scheduling").with("gpu").put("count", count).put("nodes", nodes);
    }

    /** A base at another scheme, without the Hub revision of the template. */
    private static void unpinned(ObjectNode spec, String uri) {
        set(spec, "base.uri", uri);
        ((ObjectNode) spec.get("base")).remove("revision");
    }

    private static Case valid(String name, Consumer<ObjectNode> specChange) {
        return new Case(name, true, manifest -> specChange.accept((ObjectNode) manifest.get("spec")));
    }

    private static Case invalid(String name, Consumer<ObjectNode> specChange) {
        return new Case(name, false, manifest -> specChange.accept((ObjectNode) manifest.get("spec")));
    }

    /** Sets a string at a dotted path under spec ("members[0].training.tokens"), making objects on the way. */
    private static void set(ObjectNode spec, String path, String value) {
        String[] parts = path.split("\\.");
        JsonNode node = spec;
        for (int i = 0; i < parts.length - 1; i++) {
            String part = parts[i];
            int bracket = part.indexOf('[');
            node = bracket < 0 ? ((ObjectNode) node).with(part)
                    : node.get(part.substring(0, bracket)).get(Integer.parseInt(part.substring(bracket + 1,
                            part.length() - 1)));
        }
        ((ObjectNode) node).put(parts[parts.length - 1], value);
    }

    /** Replaces the members: "name:5B" sets targetParameters (a string), "name=0.5" sets rankFraction (a number). */
    private static void members(ObjectNode spec, String... members) {
        ArrayNode list = spec.putArray("members");
        for (String m : members) {
            int colon = m.indexOf(':');
            if (colon >= 0) {
                list.addObject().put("name", m.substring(0, colon)).put("targetParameters", m.substring(colon + 1));
            } else {
                int equals = m.indexOf('=');
                list.addObject().put("name", m.substring(0, equals))
                        .put("rankFraction", Double.parseDouble(m.substring(equals + 1)));
            }
        }
    }

    /** The server's causes for a server-side dry-run create; empty when it accepts the manifest. */
    private static List<Complaint> serverComplaints(KubeApiServer server, ObjectNode manifest) {
        KubernetesClient admin = server.admin();
        GenericKubernetesResource resource = admin.getKubernetesSerialization().convertValue(manifest,
                GenericKubernetesResource.class);
        try {
            admin.resource(resource).dryRun().create();
            return List.of();
        } catch (KubernetesClientException e) {
            assertThat(e.getCode()).as("server refused %s other than as invalid: %s", manifest.path("metadata")
                    .path("name"), e.getMessage()).isEqualTo(422);
            List<Complaint> out = new ArrayList<>();
            for (StatusCause cause : e.getStatus().getDetails().getCauses()) {
                // a note, not a complaint: with a schema error in the object, the server skips the CEL rules
                if (!cause.getMessage().endsWith(CEL_SKIPPED)) {
                    String field = cause.getField() == null || cause.getField().equals("<nil>") ? WHOLE_OBJECT
                            : cause.getField();
                    out.add(new Complaint(field, cause.getMessage()));
                }
            }
            return out;
        }
    }

    /** What plrd validate prints for the manifest, as field and message. */
    private List<Complaint> validateComplaints(ObjectNode manifest, String name) throws IOException {
        Path file = dir.resolve(name + ".yaml");
        YAML.writeValue(file.toFile(), manifest);
        Plrd.Run run = Plrd.run("validate", file);
        List<Complaint> out = new ArrayList<>();
        // each line is "FILE (document N): NAME: FIELD: MESSAGE"
        String named = ": " + manifest.path("metadata").path("name").asText() + ": ";
        for (String line : run.err().lines().toList()) {
            int at = line.indexOf(named);
            if (at >= 0) {
                String rest = line.substring(at + named.length());
                int colon = rest.indexOf(": ");
                Complaint complaint = new Complaint(rest.substring(0, colon), rest.substring(colon + 2));
                if (!complaint.message().equals(CEL_SKIPPED)) {
                    out.add(complaint);
                }
            }
        }
        assertThat(run.code() == 0).as("validate's exit code %d for %s agrees with what it printed: %s", run.code(),
                name, run.err()).isEqualTo(out.isEmpty());
        return out;
    }

    /**
     * The rule message a server cause carries, or null for a cause that is no CEL rule. The server
     * writes "Invalid value: " then the value (strings quoted, numbers bare, none for objects and
     * lists) then the rule's message; the message must be one of the CRD's, whole.
     */
    private static String ruleMessage(Complaint cause) throws IOException {
        for (String message : crdRuleMessages()) {
            String m = cause.message();
            if (m.equals("Invalid value: " + message) || m.startsWith("Invalid value: ") && m.endsWith(": " + message)) {
                return message;
            }
        }
        return null;
    }

    private static Set<String> crdRuleMessages() throws IOException {
        Set<String> out = new LinkedHashSet<>();
        crdRules().forEach(r -> out.add(r.substring(r.indexOf(": ") + 2)));
        return out;
    }

    /** Every x-kubernetes-validations rule of the committed CRD, as "path: message". */
    private static Set<String> crdRules() throws IOException {
        JsonNode schema = YAML.readTree(CRD.toFile()).at("/spec/versions/0/schema/openAPIV3Schema");
        Set<String> out = new TreeSet<>();
        collectRules(schema, WHOLE_OBJECT, out);
        assertThat(out).as("rules found in %s", CRD).isNotEmpty();
        return out;
    }

    private static void collectRules(JsonNode schema, String path, Set<String> out) {
        for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            out.add(path + ": " + rule.path("message").asText());
        }
        schema.path("properties").fields().forEachRemaining(p -> collectRules(p.getValue(),
                path.equals(WHOLE_OBJECT) ? p.getKey() : path + "." + p.getKey(), out));
        if (schema.has("items")) {
            collectRules(schema.get("items"), path + "[*]", out);
        }
        if (schema.path("additionalProperties").isObject()) {
            collectRules(schema.get("additionalProperties"), path + "[*]", out);
        }
    }
}
