package dev.plrd.examples;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a child Job's podFailurePolicy and a JobSet's failurePolicy make of one failed pod, read from a runtime's
 * YAML, as Kubernetes' Job controller (pkg/controller/job/pod_failure_policy.go) and the JobSet controller (v0.12)
 * decide it: the Job's rules in order, the first match deciding (FailJob fails the Job with reason
 * PodFailurePolicy and a message naming the rule; Ignore does not count the pod; Count or no match counts it
 * against backoffLimit); then the JobSet's rules in order for the failed Job, the first whose reasons and
 * message patterns match deciding, RestartJobSet when none does. Only what the example runtime uses is modelled:
 * one container, onExitCodes with In or NotIn, onPodConditions, one failed pod at a time.
 */
final class FailurePolicies {
    /** The Job keeps running: the pod was ignored, or counted within backoffLimit. */
    static final String JOB_CONTINUES = "JobContinues";

    private FailurePolicies() {
    }

    /** A failed pod: its container's exit code, and whether it carries the DisruptionTarget condition. */
    record FailedPod(String namespace, String name, String container, int exitCode, boolean disruptionTarget) {
    }

    /** A failed Job as its Failed condition states it. */
    record JobFailure(String reason, String message) {
    }

    /** The JobSet's action for this pod, or {@link #JOB_CONTINUES} when the child Job does not fail. */
    static String decide(JsonNode jobSetSpec, String replicatedJob, FailedPod pod) {
        JobFailure failure = jobFailure(childJob(jobSetSpec, replicatedJob), pod);
        return failure == null ? JOB_CONTINUES : jobSetAction(jobSetSpec.path("failurePolicy"), failure);
    }

    /** The child Job's failure caused by this pod being its first failed pod, or null when the Job goes on. */
    static JobFailure jobFailure(JsonNode jobSpec, FailedPod pod) {
        JsonNode rules = jobSpec.path("podFailurePolicy").path("rules");
        for (int index = 0; index < rules.size(); index++) {
            JsonNode rule = rules.get(index);
            String action = rule.path("action").asText();
            String message = null;
            if (rule.has("onExitCodes") && exitCodesMatch(rule.path("onExitCodes"), pod)) {
                message = String.format(Locale.ROOT, "Container %s for pod %s/%s failed with exit code %d matching %s "
                        + "rule at index %d", pod.container(), pod.namespace(), pod.name(), pod.exitCode(), action, index);
            } else if (rule.has("onPodConditions") && conditionsMatch(rule.path("onPodConditions"), pod)) {
                message = String.format(Locale.ROOT, "Pod %s/%s has condition DisruptionTarget matching %s rule at "
                        + "index %d", pod.namespace(), pod.name(), action, index);
            }
            if (message != null) {
                switch (action) {
                    case "FailJob":
                        return new JobFailure("PodFailurePolicy", message);
                    case "Ignore":
                        return null;
                    case "Count":
                        return counted(jobSpec);
                    default:
                        throw new AssertionError("podFailurePolicy action " + action + " is not modelled");
                }
            }
        }
        return counted(jobSpec);
    }

    /** The action of the first JobSet rule matching the failed Job; RestartJobSet when none matches. */
    static String jobSetAction(JsonNode failurePolicy, JobFailure failure) {
        for (JsonNode rule : failurePolicy.path("rules")) {
            boolean reason = rule.path("onJobFailureReasons").isEmpty();
            for (JsonNode r : rule.path("onJobFailureReasons")) {
                reason |= r.asText().equals(failure.reason());
            }
            boolean message = rule.path("onJobFailureMessagePatterns").isEmpty();
            for (JsonNode p : rule.path("onJobFailureMessagePatterns")) {
                message |= Pattern.compile(p.asText()).matcher(failure.message()).find();
            }
            if (reason && message) {
                return rule.path("action").asText();
            }
        }
        return "RestartJobSet";
    }

    static JsonNode childJob(JsonNode jobSetSpec, String replicatedJob) {
        for (JsonNode job : jobSetSpec.path("replicatedJobs")) {
            if (job.path("name").asText().equals(replicatedJob)) {
                return job.path("template").path("spec");
            }
        }
        throw new AssertionError("no replicatedJob " + replicatedJob);
    }

    /** One failed pod counted: the Job fails when that exceeds backoffLimit (Kubernetes' default 6). */
    private static JobFailure counted(JsonNode jobSpec) {
        return 1 > jobSpec.path("backoffLimit").asInt(6)
                ? new JobFailure("BackoffLimitExceeded", "Job has reached the specified backoff limit") : null;
    }

    private static boolean exitCodesMatch(JsonNode onExitCodes, FailedPod pod) {
        if (pod.exitCode() == 0 || (onExitCodes.has("containerName")
                && !onExitCodes.path("containerName").asText().equals(pod.container()))) {
            return false;
        }
        boolean listed = false;
        for (JsonNode v : onExitCodes.path("values")) {
            listed |= v.asInt() == pod.exitCode();
        }
        return onExitCodes.path("operator").asText().equals("In") == listed;
    }

    private static boolean conditionsMatch(JsonNode onPodConditions, FailedPod pod) {
        for (JsonNode pattern : onPodConditions) {
            if (pattern.path("type").asText().equals("DisruptionTarget") && pod.disruptionTarget()
                    && pattern.path("status").asText("True").equals("True")) {
                return true;
            }
        }
        return false;
    }
}
