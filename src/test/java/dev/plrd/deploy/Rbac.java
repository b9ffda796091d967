package dev.plrd.deploy;

import static dev.plrd.deploy.Kustomize.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * RBAC rules as a set of single grants, written {@code group/resource:verb}, or
 * {@code group/resource[name]:verb} for a rule limited by resourceNames. Sets compare exactly,
 * which is what pins the shipped rules; {@link #allows} answers one API request as the API
 * server's authorizer would (the shipped rules use no wildcards, and {@link #grantsOf} refuses
 * non-resource URLs).
 */
public final class Rbac {
    private Rbac() {
    }

    /** Every grant a Role's or ClusterRole's rules hold. */
    static Set<String> grantsOf(JsonNode role) {
        Set<String> out = new TreeSet<>();
        for (JsonNode rule : role.path("rules")) {
            assertThat(rule.has("nonResourceURLs")).as("%s grants non-resource URLs",
                    role.path("metadata").path("name").asText()).isFalse();
            List<String> names = new ArrayList<>(texts(rule.path("resourceNames")));
            if (names.isEmpty()) {
                names.add(null);
            }
            for (String group : texts(rule.path("apiGroups"))) {
                for (String resource : texts(rule.path("resources"))) {
                    for (String verb : texts(rule.path("verbs"))) {
                        for (String n : names) {
                            out.add(group + "/" + resource + (n == null ? "" : "[" + n + "]") + ":" + verb);
                        }
                    }
                }
            }
        }
        return out;
    }

    static Set<String> grant(String group, String resource, String... verbs) {
        return Stream.of(verbs).map(v -> group + "/" + resource + ":" + v).collect(Collectors.toSet());
    }

    @SafeVarargs
    static Set<String> grants(Set<String>... sets) {
        Set<String> out = new TreeSet<>();
        for (Set<String> s : sets) {
            out.addAll(s);
        }
        return out;
    }

    /**
     * What a ServiceAccount may do in a namespace (null: cluster-scoped requests) under the given
     * objects: the ClusterRoles bound by ClusterRoleBindings, and the Roles or ClusterRoles bound by
     * RoleBindings in that namespace.
     */
    public static Set<String> grantsFor(List<JsonNode> objects, String namespace, String saNamespace, String sa) {
        Set<String> out = new TreeSet<>();
        for (JsonNode binding : objects) {
            String kind = binding.path("kind").asText();
            boolean cluster = kind.equals("ClusterRoleBinding");
            boolean here = kind.equals("RoleBinding") && namespace != null
                    && namespace.equals(binding.path("metadata").path("namespace").asText());
            boolean bindsSa = false;
            for (JsonNode s : binding.path("subjects")) {
                bindsSa |= s.path("kind").asText().equals("ServiceAccount") && s.path("name").asText().equals(sa)
                        && s.path("namespace").asText().equals(saNamespace);
            }
            if ((cluster || here) && bindsSa) {
                String roleKind = binding.path("roleRef").path("kind").asText();
                String roleName = binding.path("roleRef").path("name").asText();
                for (JsonNode role : objects) {
                    boolean sameRole = role.path("kind").asText().equals(roleKind)
                            && role.path("metadata").path("name").asText().equals(roleName)
                            && (roleKind.equals("ClusterRole")
                                    || namespace.equals(role.path("metadata").path("namespace").asText()));
                    if (sameRole) {
                        out.addAll(grantsOf(role));
                    }
                }
            }
        }
        return out;
    }

    /** Whether the grants allow a request: a rule without names, or one naming the object. */
    static boolean allows(Set<String> grants, ApiRequest request) {
        String resource = request.group() + "/" + request.resource();
        return grants.contains(resource + ":" + request.verb())
                || request.name() != null && grants.contains(resource + "[" + request.name() + "]:" + request.verb());
    }

    /**
     * The authorization attributes of one HTTP request to the API server, as its request-info
     * resolver derives them: a GET of a named object is get, of a collection list (or watch), and
     * so on. The resource includes the subresource ({@code modelfamilies/status}).
     */
    public record ApiRequest(String group, String namespace, String resource, String name, String verb) {
        /** Null for a path that names no resource ({@code /version}, discovery). */
        static ApiRequest of(String method, String pathAndQuery) {
            int q = pathAndQuery.indexOf('?');
            String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
            String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
            List<String> parts = new ArrayList<>(List.of(path.replaceAll("^/+", "").split("/")));
            String group;
            if (parts.size() >= 3 && parts.get(0).equals("api")) {
                group = "";
                parts = parts.subList(2, parts.size());
            } else if (parts.size() >= 4 && parts.get(0).equals("apis")) {
                group = parts.get(1);
                parts = parts.subList(3, parts.size());
            } else {
                return null;
            }
            String namespace = null;
            if (parts.size() >= 3 && parts.get(0).equals("namespaces")) {
                namespace = parts.get(1);
                parts = parts.subList(2, parts.size());
            }
            String resource = parts.get(0) + (parts.size() >= 3 ? "/" + parts.get(2) : "");
            String name = parts.size() >= 2 ? parts.get(1) : null;
            boolean watch = Stream.of(query.split("&")).anyMatch(p -> p.equals("watch=true") || p.equals("watch=1"));
            String verb = switch (method.toUpperCase()) {
                case "GET" -> name != null ? "get" : watch ? "watch" : "list";
                case "POST" -> "create";
                case "PUT" -> "update";
                case "PATCH" -> "patch";
                case "DELETE" -> name != null ? "delete" : "deletecollection";
                default -> method.toLowerCase();
            };
            return new ApiRequest(group, namespace, resource, name, verb);
        }
    }
}
