package dev.plrd.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;

/** ModelFamily specs built in code for the pure unit tests: only the required fields, the rest left to defaults. */
public final class Specs {
    public static final String BASE_URI = "hf://mistralai/Mistral-7B-v0.1";
    public static final String REVISION = "26bca36bde8333b5d7f72e9ed20ccda6a618af24";
    public static final String DATASET = "s3://corpus/slimpajama-6b";
    public static final String REPOSITORY = "registry.example.com/models/mistral-family";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Specs() {
    }

    /** A family of members given as name, target parameters pairs: {@code family("m1", "5B", "m2", "3.1B")}. */
    public static ModelFamilySpec family(String... namesAndTargets) {
        if (namesAndTargets.length == 0 || namesAndTargets.length % 2 != 0) {
            throw new IllegalArgumentException("name, target pairs expected");
        }
        ModelFamilySpec spec = new ModelFamilySpec();
        spec.base = new BaseModelSpec();
        spec.base.uri = BASE_URI;
        spec.base.revision = REVISION;
        spec.members = new ArrayList<>();
        for (int i = 0; i < namesAndTargets.length; i += 2) {
            spec.members.add(member(namesAndTargets[i], namesAndTargets[i + 1]));
        }
        spec.training = new TrainingSpec();
        spec.training.dataset = DATASET;
        spec.publish = new PublishSpec();
        spec.publish.repository = REPOSITORY;
        return spec;
    }

    public static MemberSpec member(String name, String targetParameters) {
        MemberSpec m = new MemberSpec();
        m.name = name;
        m.targetParameters = targetParameters;
        return m;
    }

    /** The member's own training overrides, created when absent. */
    public static MemberTrainingSpec training(MemberSpec member) {
        if (member.training == null) {
            member.training = new MemberTrainingSpec();
        }
        return member.training;
    }

    /** spec.scheduling.gpu, created when absent. */
    public static GpuSpec gpu(ModelFamilySpec spec) {
        if (spec.scheduling == null) {
            spec.scheduling = new SchedulingSpec();
        }
        if (spec.scheduling.gpu == null) {
            spec.scheduling.gpu = new GpuSpec();
        }
        return spec.scheduling.gpu;
    }

    /** A deep copy, to change one field and compare. */
    public static ModelFamilySpec copy(ModelFamilySpec spec) {
        return JSON.convertValue(spec, ModelFamilySpec.class);
    }
}
