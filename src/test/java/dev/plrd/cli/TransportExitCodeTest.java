package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.api.StageOutputs;
import dev.plrd.plan.WorkerContract;
import dev.plrd.transport.TransportException;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A transfer failure that a retry cannot fix (404, 401, a wrong digest) is permanent; any other is retried. */
class TransportExitCodeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private int failWith(TransportException failure) {
        StageCommand stage = new StageCommand() {
            @Override
            StageOutputs run() throws TransportException {
                throw failure;
            }
        };
        stage.report = dir.resolve("report.json");
        return stage.call();
    }

    @Test
    void aPermanentTransportFailureIsInvalidInput() throws IOException {
        int code = failWith(new TransportException("oci://r.example/team/family:m1: 401 Unauthorized", true));
        assertThat(code).isEqualTo(WorkerContract.EXIT_INVALID_INPUT);
        assertThat(JSON.readTree(dir.resolve("report.json").toFile()).get("reason").asText()).isEqualTo("InvalidInput");
        assertThat(JSON.readTree(dir.resolve("report.json").toFile()).get("error").asText())
                .isEqualTo("oci://r.example/team/family:m1: 401 Unauthorized");
    }

    @Test
    void aPassingTransportFailureIsRetried() throws IOException {
        int code = failWith(new TransportException("oci://r.example/team/family:m1: 503 Service Unavailable", false));
        assertThat(code).isEqualTo(WorkerContract.EXIT_FAILED);
        assertThat(JSON.readTree(dir.resolve("report.json").toFile()).get("reason").asText()).isEqualTo("Failed");
    }
}
