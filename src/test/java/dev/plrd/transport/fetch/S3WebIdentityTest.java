package dev.plrd.transport.fetch;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider;

/**
 * IRSA on EKS gives a pod a web identity token file and a role; the default credential chain of {@link S3Endpoint}
 * turns them into credentials through STS, which the SDK finds at run time: without its module on the class path
 * the chain cannot use web identity at all ("the 'sts' service module must be on the class path").
 */
class S3WebIdentityTest {
    @TempDir
    Path dir;

    @Test
    void aWebIdentityProviderCanBeMadeFromATokenFileAndARole() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");

        assertThatCode(() -> WebIdentityTokenFileCredentialsProvider.builder()
                .roleArn("arn:aws:iam::123456789012:role/plrd-corpus-reader").webIdentityTokenFile(token)
                .build().close()).doesNotThrowAnyException();
    }
}
