package dev.plrd.transport.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plrd.transport.TransportException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryCredentialsTest {
    @TempDir
    Path dir;

    private RegistryCredentials read(String json, String registry) throws Exception {
        Path config = Files.writeString(dir.resolve("config.json"), json);
        return RegistryCredentials.fromDockerConfig(config, registry);
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theAuthFieldIsTheBase64OfUserColonPasswordAndThePasswordMayHoldColons() throws Exception {
        RegistryCredentials c = read("{\"auths\":{\"registry.example:5000\":{\"auth\":\"" + base64("robot$ci:pa:ss") + "\"}}}",
                "registry.example:5000");
        assertEquals("robot$ci", c.username());
        assertEquals("pa:ss", c.password());
        assertEquals("Basic " + base64("robot$ci:pa:ss"), c.basicAuthorization());
    }

    @Test
    void keysWrittenAsUrlsMatchTheirHostAndOtherHostsDoNot() throws Exception {
        String json = "{\"auths\":{\"https://ghcr.io/v1/\":{\"username\":\"u\",\"password\":\"p\"},"
                + "\"quay.io\":{\"identitytoken\":\"refresh-me\"}}}";
        assertEquals("p", read(json, "ghcr.io").password());
        assertEquals("refresh-me", read(json, "quay.io").identityToken());
        assertTrue(read(json, "docker.io").anonymous());
    }

    @Test
    void noFileOrNoAuthsMeansAnonymous() throws Exception {
        assertTrue(RegistryCredentials.fromDockerConfig(dir.resolve("absent.json"), "r").anonymous());
        assertTrue(read("{\"credsStore\":\"desktop\"}", "r").anonymous());
    }

    @Test
    void aMalformedEntryIsAPermanentFailureNamingTheFileAndFieldButNotItsValue() throws Exception {
        TransportException e = assertThrows(TransportException.class,
                () -> read("{\"auths\":{\"r\":{\"auth\":\"" + base64("no-colon-here") + "\"}}}", "r"));
        assertTrue(e.getMessage().contains("config.json: auths.r.auth: expected the base64 of user:password"), e.getMessage());
        assertFalse(e.getMessage().contains(base64("no-colon-here")));
        assertTrue(e.permanent(), "a broken credentials file comes back the same on a retry");
        TransportException broken = assertThrows(TransportException.class,
                () -> read("{\"auths\":{\"r\":{\"password\":\"hunter2\"", "r"));
        assertTrue(broken.getMessage().contains("config.json: not a Docker config JSON"), broken.getMessage());
        assertFalse(broken.getMessage().contains("hunter2"));
        assertTrue(broken.permanent());
    }

    @Test
    void toStringShowsNoSecret() {
        RegistryCredentials c = new RegistryCredentials("user", "hunter2", "token-xyz");
        assertFalse(c.toString().contains("hunter2") || c.toString().contains("token-xyz"), c.toString());
    }
}
