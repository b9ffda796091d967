package dev.plrd.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A mock API server's dispatcher that authorizes every resource request against RBAC grants
 * before the CRUD dispatcher sees it, as a real API server does for a ServiceAccount: a refused
 * request gets 403 with the API server's wording. It also answers SelfSubjectRulesReviews from
 * the same grants, and enforces what the OwnerReferencesPermissionEnforcement admission plugin
 * (enabled in OpenShift) checks on create and update: an owner reference with
 * blockOwnerDeletion needs update on the owner's finalizers subresource. Every request is
 * recorded with its authorization attributes.
 */
public final class AuthorizingDispatcher extends Dispatcher {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Dispatcher delegate;
    private final Function<String, Set<String>> grantsIn;
    private final Map<String, String> resourceOfKind;
    public final List<Rbac.ApiRequest> allowed = Collections.synchronizedList(new ArrayList<>());
    public final List<Rbac.ApiRequest> refused = Collections.synchronizedList(new ArrayList<>());

    /**
     * grantsIn maps a namespace (null for cluster-scoped requests) to what the caller may do
     * there; resourceOfKind maps the kind of an owner (group/Kind) to its resource, as the API
     * server's REST mapper does, for the admission check.
     */
    public AuthorizingDispatcher(Dispatcher delegate, Function<String, Set<String>> grantsIn,
            Map<String, String> resourceOfKind) {
        this.delegate = delegate;
        this.grantsIn = grantsIn;
        this.resourceOfKind = resourceOfKind;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        Rbac.ApiRequest r = Rbac.ApiRequest.of(request.getMethod(), request.getPath());
        if (r == null) {
            return delegate.dispatch(request);
        }
        if (r.group().equals("authorization.k8s.io") && r.resource().equals("selfsubjectrulesreviews")) {
            return rulesReview(request);
        }
        if (!Rbac.allows(grantsIn.apply(r.namespace()), r)) {
            refused.add(r);
            String what = r.resource() + (r.group().isEmpty() ? "" : "." + r.group());
            return new MockResponse().setResponseCode(403).setBody(status(403, "Forbidden",
                    what + (r.name() == null ? "" : " \"" + r.name() + "\"") + " is forbidden: cannot " + r.verb()
                            + " resource \"" + r.resource() + "\" in API group \"" + r.group() + "\""
                            + (r.namespace() == null ? "" : " in the namespace \"" + r.namespace() + "\"")));
        }
        if (r.verb().equals("create") || r.verb().equals("update")) {
            // getBytes leaves the body for the CRUD dispatcher; getUtf8Body would consume it.
            String refusal = ownerReferenceRefusal(r, request.getBody() == null ? ""
                    : new String(request.getBody().getBytes(), StandardCharsets.UTF_8));
            if (refusal != null) {
                refused.add(new Rbac.ApiRequest(r.group(), r.namespace(), r.resource(), r.name(), "admit"));
                return new MockResponse().setResponseCode(403).setBody(status(403, "Forbidden", refusal));
            }
        }
        allowed.add(r);
        return delegate.dispatch(request);
    }

    /** The plugin's refusal of an object whose blocking owner references the caller may not set, or null. */
    private String ownerReferenceRefusal(Rbac.ApiRequest r, String body) {
        JsonNode object;
        try {
            object = JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
        for (JsonNode ref : object.path("metadata").path("ownerReferences")) {
            if (!ref.path("blockOwnerDeletion").asBoolean(false)) {
                continue;
            }
            String apiVersion = ref.path("apiVersion").asText();
            String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
            String resource = resourceOfKind.get(group + "/" + ref.path("kind").asText());
            Rbac.ApiRequest finalizers = new Rbac.ApiRequest(group, r.namespace(), resource + "/finalizers",
                    ref.path("name").asText(), "update");
            if (resource == null || !Rbac.allows(grantsIn.apply(r.namespace()), finalizers)) {
                return r.resource() + " \"" + object.path("metadata").path("name").asText() + "\" is forbidden: cannot "
                        + "set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers "
                        + "on: " + finalizers;
            }
        }
        return null;
    }

    private MockResponse rulesReview(RecordedRequest request) {
        try {
            ObjectNode review = (ObjectNode) JSON.readTree(request.getUtf8Body());
            String namespace = review.path("spec").path("namespace").asText(null);
            ArrayNode rules = review.putObject("status").put("incomplete", false).putArray("resourceRules");
            for (String g : grantsIn.apply(namespace)) {
                // group/resource[name]:verb
                int slash = g.indexOf('/');
                int colon = g.lastIndexOf(':');
                String resource = g.substring(slash + 1, colon);
                ObjectNode rule = rules.addObject();
                rule.putArray("apiGroups").add(g.substring(0, slash));
                rule.putArray("verbs").add(g.substring(colon + 1));
                int bracket = resource.indexOf('[');
                rule.putArray("resources").add(bracket < 0 ? resource : resource.substring(0, bracket));
                if (bracket >= 0) {
                    rule.putArray("resourceNames").add(resource.substring(bracket + 1, resource.length() - 1));
                }
            }
            review.putArray("nonResourceRules");
            return new MockResponse().setResponseCode(201).setBody(JSON.writeValueAsString(review));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String status(int code, String reason, String message) {
        ObjectNode s = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Status")
                .put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
        return s.toString();
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }
}
