package dev.plrd.transport.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.plrd.transport.Retry;
import dev.plrd.transport.TransportException;
import dev.plrd.transport.modelpack.MemberAnnotations;
import dev.plrd.transport.modelpack.ModelPackPublisher;
import dev.plrd.transport.modelpack.TinyCheckpoint;
import dev.plrd.transport.oci.ArtifactStore;
import dev.plrd.transport.oci.ArtifactStores;
import dev.plrd.transport.oci.DockerRegistryServer;
import dev.plrd.transport.oci.OciReference;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** oci:// fetches of a member published to Debian's docker-registry on 127.0.0.1, into the cache by manifest digest. */
class OciFetchTest {
    private static final Retry QUICK = new Retry(2, Duration.ofSeconds(10), Duration.ofMillis(5), Duration.ofMillis(20));

    @TempDir
    Path dir;
    DockerRegistryServer registry;
    Path member;
    String digest;

    @BeforeEach
    void publishAMember() throws Exception {
        assumeThat(DockerRegistryServer.installed()).as(DockerRegistryServer.missing()).isTrue();
        registry = DockerRegistryServer.start(Files.createDirectories(dir.resolve("registry")));
        member = TinyCheckpoint.write(dir.resolve("trained"));
        try (ArtifactStore store = ArtifactStores.open(OciReference.parse(uri("m1")), new ArtifactStores.Options(true))) {
            digest = new ModelPackPublisher(Clock.systemUTC(), new PrintStream(OutputStream.nullOutputStream()))
                    .publish(store, "m1", member, MemberAnnotations.base("hf://org/base")).digest();
        }
    }

    @AfterEach
    void stopRegistry() throws InterruptedException {
        if (registry != null) {
            registry.close();
        }
    }

    String uri(String tag) {
        return "oci://" + registry.host() + "/plrd/family:" + tag;
    }

    FetchResult fetch(String uri) throws IOException {
        return new Fetcher(dir.resolve("cache"), new HubEndpoint(URI.create("http://127.0.0.1:9"), null), () -> {
            throw new AssertionError("an oci:// fetch needs no S3 settings");
        }, true,
                QUICK, new TransferProgress(new PrintStream(OutputStream.nullOutputStream()), false, 0, System::nanoTime),
                false).fetch(FetchSource.parse(uri));
    }

    @Test
    void aPublishedMemberComesBackByteForByteKeyedByItsManifestDigestAndIsNeverDownloadedTwice() throws Exception {
        FetchResult first = fetch(uri("m1"));

        assertThat(TinyCheckpoint.contents(first.location())).containsExactlyInAnyOrderEntriesOf(TinyCheckpoint.contents(member));
        assertThat(first.revision()).isEqualTo(digest);
        assertThat(first.location()).isEqualTo(dir.resolve("cache/oci").resolve(registry.host().replace(':', '_'))
                .resolve("plrd/family").resolve(digest.replace(':', '-')));
        assertThat(first.downloaded()).isEqualTo(first.bytes()).isPositive();

        FetchResult byTag = fetch(uri("m1"));
        assertThat(byTag.downloaded()).isZero();
        assertThat(byTag.location()).isEqualTo(first.location());

        registry.close();
        FetchResult byDigest = fetch("oci://" + registry.host() + "/plrd/family@" + digest);
        assertThat(byDigest.downloaded()).as("a cached digest needs no registry").isZero();
        assertThat(byDigest.location()).isEqualTo(first.location());
    }

    @Test
    void anUnknownTagIsAPermanentFailureNamingTheUri() {
        assertThatThrownBy(() -> fetch(uri("missing")))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.permanent()).isTrue())
                .hasMessageStartingWith(uri("missing") + ": no such artifact");
    }
}
