package dev.plrd.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plrd.api.StageOutputs;
import dev.plrd.model.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The worker side of the stage result: one JSON object, written to the termination-message path
 * (--result) and kept in the workspace (--report). Success carries {@link StageOutputs}; failure
 * carries {"error", "reason"}.
 */
final class StageResult {
    private static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private StageResult() {
    }

    static void success(StageOutputs outputs, Path result, Path report) throws IOException {
        write(JSON.writeValueAsString(outputs), result, report);
    }

    /** Best effort: a failure to report a failure must not hide the first one. */
    static void failure(String reason, String error, Path result, Path report) {
        ObjectNode node = JSON.createObjectNode().put("error", error).put("reason", reason);
        try {
            write(JSON.writeValueAsString(node), result, report);
        } catch (IOException e) {
            System.err.println("could not write the stage result: " + e.getMessage());
        }
    }

    private static void write(String json, Path result, Path report) throws IOException {
        if (result != null) {
            // the termination-message file is provided by the kubelet: written in place
            try {
                Files.writeString(result, json, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw AtomicFiles.naming(result, e);
            }
        }
        if (report != null) {
            Files.createDirectories(report.toAbsolutePath().getParent());
            AtomicFiles.writeAtomically(report, json.getBytes(StandardCharsets.UTF_8));
        }
    }
}
