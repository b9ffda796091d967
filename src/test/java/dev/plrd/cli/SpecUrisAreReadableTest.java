package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.plrd.api.ModelFamilySpec;
import dev.plrd.api.SchemaValidator;
import dev.plrd.api.Specs;
import dev.plrd.plan.Planner;
import dev.plrd.transport.fetch.FetchSource;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CRD's URI rules and the workers agree: every base and dataset URI a spec may hold (one per scheme the rules
 * admit) is one the stages' fetch can read, as the planner hands it to them. A scheme the CRD admits and the workers
 * refuse would pass kubectl apply and fail only once a Job runs.
 */
class SpecUrisAreReadableTest {
    private static final SchemaValidator VALIDATOR = SchemaValidator.forModelFamily();

    @Test
    void everyBaseTheCrdAdmitsIsOneTheStagesRead() {
        for (String uri : List.of("hf://mistralai/Mistral-7B-v0.1", "oci://registry.example.com/team/models:base",
                "s3://models/mistral-7b", "pvc://models/mistral-7b", "file:///models/mistral-7b", "file://tiny-base")) {
            ModelFamilySpec spec = Specs.family("m1", "5B", "m2", "3.1B");
            spec.base.uri = uri;
            spec.base.revision = null;
            assertThat(VALIDATOR.validate(spec)).as(uri).isEmpty();
            String planned = Planner.baseReference(spec.base);
            assertThatCode(() -> FetchSource.parse(planned)).as(planned).doesNotThrowAnyException();
        }
    }

    @Test
    void everyDatasetTheCrdAdmitsIsOneTheStagesRead() {
        for (String uri : List.of("hf://datasets/ml-team/corpus#train/*.jsonl", "s3://corpus/slimpajama/train",
                "pvc://corpus/slimpajama", "file:///data/corpus", "file://corpus",
                "https://data.example.com/held-out.jsonl")) {
            ModelFamilySpec spec = Specs.family("m1", "5B", "m2", "3.1B");
            spec.training.dataset = uri;
            assertThat(VALIDATOR.validate(spec)).as(uri).isEmpty();
            Planner.plan(spec).stream().filter(p -> p.args().contains("--data")).forEach(p -> {
                String planned = p.args().get(p.args().indexOf("--data") + 1);
                assertThatCode(() -> FetchSource.parse(planned)).as(planned).doesNotThrowAnyException();
            });
        }
    }
}
