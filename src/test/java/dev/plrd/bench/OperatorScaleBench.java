package dev.plrd.bench;

import dev.plrd.api.ModelFamily;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code make bench}: 200 ModelFamilies created at once against the mock API server. Prints how
 * long until every family has its first Job and its status written, the per-family latency
 * (p50, p99, max), and the JVM heap after settling. Figures, not assertions: a benchmark.
 */
@Tag("bench")
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class OperatorScaleBench {
    private static final int FAMILIES = 200;
    private static final String NS = "bench";

    @Inject
    KubernetesClient client;

    @Test
    void twoHundredFamiliesAtOnce() throws Exception {
        Map<String, Long> created = new ConcurrentHashMap<>();
        Map<String, Long> firstJob = new ConcurrentHashMap<>();
        Map<String, Long> statusWritten = new ConcurrentHashMap<>();
        try (Watch jobs = client.batch().v1().jobs().inNamespace(NS).watch(new Recorder<Job>(j ->
                firstJob.putIfAbsent(j.getSpec().getTemplate().getMetadata().getAnnotations()
                        .get("plrd.dev/family-name"), System.nanoTime())));
             Watch families = client.resources(ModelFamily.class).inNamespace(NS).watch(new Recorder<ModelFamily>(f -> {
                 if (f.getStatus() != null && !f.getStatus().members.isEmpty()
                         && f.getStatus().members.get(0).stages.get(0).jobName != null) {
                     statusWritten.putIfAbsent(f.getMetadata().getName(), System.nanoTime());
                 }
             }))) {
            long baseline = baselineCreates();
            long start = System.nanoTime();
            for (int i = 0; i < FAMILIES; i++) {
                String name = "family-" + i;
                client.resource(family(name)).create();
                created.put(name, System.nanoTime());
            }
            long createdAll = System.nanoTime();
            long deadline = start + Duration.ofMinutes(5).toNanos();
            while ((firstJob.size() < FAMILIES || statusWritten.size() < FAMILIES) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            long done = System.nanoTime();

            List<Double> latencies = new ArrayList<>();
            created.forEach((name, t0) -> {
                Long job = firstJob.get(name);
                Long status = statusWritten.get(name);
                if (job != null && status != null) {
                    latencies.add((Math.max(job, status) - t0) / 1e6);
                }
            });
            latencies.sort(Double::compare);
            Thread.sleep(5000);
            System.gc();
            Thread.sleep(500);
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();

            System.out.printf("%n== make bench: %d ModelFamilies created at once (mock API server, %d cores) ==%n",
                    FAMILIES, Runtime.getRuntime().availableProcessors());
            System.out.printf("mock API server alone: %d ConfigMap creates took %.0f ms (%.1f ms each)%n", FAMILIES,
                    baseline / 1e6, baseline / 1e6 / FAMILIES);
            System.out.printf("creating all %d families took %.0f ms (the operator reconciling meanwhile)%n", FAMILIES,
                    (createdAll - start) / 1e6);
            System.out.printf("families with first Job and status written: %d of %d%n", latencies.size(), FAMILIES);
            System.out.printf("time until every family had both: %.0f ms after the first create%n", (done - start) / 1e6);
            System.out.printf("per family, create -> first Job and status: p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                    percentile(latencies, 50), percentile(latencies, 99), percentile(latencies, 100));
            System.out.printf("JVM heap used after settling and GC: %.1f MiB (operator, mock API server with %d "
                    + "families and their Jobs, and this harness share the JVM)%n%n", heap / 1048576.0, FAMILIES);
        }
    }

    /** How fast the mock API server takes creates with the operator idle: the floor under the figures. */
    private long baselineCreates() {
        long t0 = System.nanoTime();
        for (int i = 0; i < FAMILIES; i++) {
            client.resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata()
                    .withName("baseline-" + i).withNamespace(NS + "-baseline").endMetadata()
                    .addToData("spec", "x".repeat(2000)).build()).create();
        }
        return System.nanoTime() - t0;
    }

    private static double percentile(List<Double> sorted, int p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static ModelFamily family(String name) throws java.io.IOException {
        ModelFamily f = new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readValue(java.nio.file.Path.of("examples/mistral-7b-family.yaml").toFile(), ModelFamily.class);
        f.getMetadata().setName(name);
        f.getMetadata().setNamespace(NS);
        return f;
    }

    private record Recorder<T>(java.util.function.Consumer<T> onEvent) implements Watcher<T> {
        @Override
        public void eventReceived(Action action, T resource) {
            onEvent.accept(resource);
        }

        @Override
        public void onClose(WatcherException cause) {
        }
    }
}
