package dev.plrd.operator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.api.StageOutputs;

/** Reads the JSON a stage pod leaves in its termination message (see the worker contract in the README). */
final class StageResults {
    /** Status messages are for people; the full story stays in the pod log and the workspace report. */
    static final int MAX_MESSAGE = 1024;

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private StageResults() {
    }

    /** The outputs of a succeeded stage, or null when the pod left none or they are not JSON. */
    static StageOutputs outputs(String result) {
        if (result == null || result.isBlank()) {
            return null;
        }
        try {
            return JSON.readValue(result, StageOutputs.class);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** The worker's own account of a failure: its "error" field, or the raw text (a log tail) when not JSON. */
    static String failureMessage(String result) {
        if (result == null || result.isBlank()) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(result);
            if (node != null && node.hasNonNull("error")) {
                return truncate(node.get("error").asText());
            }
        } catch (JsonProcessingException e) {
            // not JSON: the kubelet fell back to the log tail, which is the best account there is
        }
        String tail = result.strip();
        // The end of a log tail holds the error that ended the run; leave room for what the caller appends.
        int keep = MAX_MESSAGE - 64;
        return tail.length() <= keep ? tail : "..." + tail.substring(tail.length() - keep + 3);
    }

    static String truncate(String message) {
        if (message == null || message.length() <= MAX_MESSAGE) {
            return message;
        }
        return message.substring(0, MAX_MESSAGE - 3) + "...";
    }
}
