package dev.plrd.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.plrd.api.ModelFamily;
import java.io.IOException;
import java.io.UncheckedIOException;

/** ModelFamily fixtures for the tests, written as users write them. */
final class Families {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Families() {
    }

    /** A three-member family of a 7B model, GPUs for training only. */
    static ModelFamily threeMembers(String name, String namespace) {
        return parse("""
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
                    - name: m4b
                      targetParameters: 4B
                    - name: m3b
                      targetParameters: 3.1B
                  training:
                    dataset: s3://corpus/slimpajama-6b
                    tokens: 1B
                  evaluation:
                    maxPerplexityRatio: 1.5
                  publish:
                    repository: registry.example.com/models/mistral-family
                    credentialsSecret: registry-push
                  scheduling:
                    gpu:
                      count: 8
                      product: NVIDIA-H100-80GB-HBM3
                    retries: 2
                """.formatted(name, namespace));
    }

    static ModelFamily parse(String yaml) {
        try {
            return YAML.readValue(yaml, ModelFamily.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One member trained on two nodes of eight H100s; a base the memory planner does not know, so none is refused. */
    static ModelFamily twoNodes(String name, String namespace) {
        return Families.parse("""
                apiVersion: plrd.dev/v1alpha1
                kind: ModelFamily
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  base:
                    uri: s3://models/mistral-7b
                  members:
                    - name: m5b
                      targetParameters: 5B
                  training:
                    dataset: s3://corpus/slimpajama-6b
                    tokens: 1B
                  evaluation:
                    maxPerplexityRatio: 1.5
                  publish:
                    repository: registry.example.com/models/mistral-family
                    credentialsSecret: registry-push
                  scheduling:
                    gpu:
                      count: 8
                      nodes: 2
                      product: NVIDIA-H100-80GB-HBM3
                    retries: 2
                  storage:
                    accessMode: ReadWriteMany
                """.formatted(name, namespace));
    }
}
