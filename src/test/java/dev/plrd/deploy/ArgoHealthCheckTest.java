package dev.plrd.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.jse.JseBaseLib;

/** Runs deploy/argocd/health.lua against the cases in health_test.yaml, as Argo CD would. */
class ArgoHealthCheckTest {

    private static final Path DIR = Path.of("deploy", "argocd");
    private static final String HEALTH_KEY = "resource.customizations.health.plrd.dev_ModelFamily";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TestFactory
    Stream<DynamicTest> healthTestCases() throws IOException {
        String script = Files.readString(scriptFromKustomization());
        JsonNode tests = YAML.readTree(DIR.resolve("health_test.yaml").toFile()).path("tests");
        assertFalse(tests.isEmpty(), "health_test.yaml lists no tests");
        return StreamSupport.stream(tests.spliterator(), false).map(test -> {
            String inputPath = test.required("inputPath").asText();
            JsonNode expected = test.required("healthStatus");
            return DynamicTest.dynamicTest(inputPath, () -> {
                LuaValue health = runHealthScript(script, YAML.readTree(DIR.resolve(inputPath).toFile()));
                String where = inputPath + ": ";
                assertTrue(health.istable(), where + "health.lua must return a table, got " + health.typename());
                assertEquals(expected.required("status").asText(), health.get("status").tojstring(), where + "status");
                assertEquals(expected.required("message").asText(), health.get("message").tojstring(),
                        where + "message");
            });
        });
    }

    // The script is found through the kustomization, so renaming the key or the file fails here
    // instead of silently dropping the health check from argocd-cm.
    private static Path scriptFromKustomization() throws IOException {
        JsonNode kustomization = YAML.readTree(DIR.resolve("kustomization.yaml").toFile());
        for (JsonNode generator : kustomization.path("configMapGenerator")) {
            if (!generator.path("name").asText().equals("argocd-cm")) {
                continue;
            }
            for (JsonNode file : generator.path("files")) {
                String[] keyAndPath = file.asText().split("=", 2);
                if (keyAndPath.length == 2 && keyAndPath[0].equals(HEALTH_KEY)) {
                    return DIR.resolve(keyAndPath[1]);
                }
            }
        }
        return fail("kustomization.yaml has no argocd-cm file entry for key " + HEALTH_KEY);
    }

    // Argo CD gives custom health scripts only the base, package and table libraries (string and
    // math need useOpenLibs), sets the resource as the global obj and takes the chunk's return value.
    private static LuaValue runHealthScript(String script, JsonNode resource) {
        Globals globals = new Globals();
        globals.load(new JseBaseLib());
        globals.load(new PackageLib());
        globals.load(new TableLib());
        LoadState.install(globals);
        LuaC.install(globals);
        globals.set("obj", toLua(resource));
        return globals.load(script, "health.lua").call();
    }

    // Mirrors Argo CD's decodeValue; a JSON null becomes nil, which leaves the field absent.
    private static LuaValue toLua(JsonNode node) {
        if (node.isObject()) {
            LuaTable table = new LuaTable();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                table.set(field.getKey(), toLua(field.getValue()));
            }
            return table;
        }
        if (node.isArray()) {
            LuaTable table = new LuaTable();
            for (int i = 0; i < node.size(); i++) {
                table.set(i + 1, toLua(node.get(i)));
            }
            return table;
        }
        if (node.isNumber()) {
            return LuaValue.valueOf(node.doubleValue());
        }
        if (node.isBoolean()) {
            return LuaValue.valueOf(node.booleanValue());
        }
        if (node.isTextual()) {
            return LuaValue.valueOf(node.textValue());
        }
        return LuaValue.NIL;
    }
}
