package dev.plrd.transport.fetch;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where S3 answers and who the fetch is, from the variables the AWS tools read: {@code AWS_ENDPOINT_URL_S3} or
 * {@code AWS_ENDPOINT_URL} for an S3-compatible store (MinIO, Ceph, a mirror; addressed path-style, which they all
 * serve), {@code AWS_REGION} or {@code AWS_DEFAULT_REGION} (default {@code us-east-1}; on AWS a bucket in another
 * region is still found, the client follows its redirect), and the credentials: {@code AWS_ACCESS_KEY_ID} with
 * {@code AWS_SECRET_ACCESS_KEY} (and {@code AWS_SESSION_TOKEN}) when given, else the SDK's default chain (web
 * identity as IRSA sets it up, the profile file, the container and instance roles). Credentials are never part of
 * {@link #toString()}.
 *
 * @param endpoint    an S3-compatible endpoint, or null for AWS
 * @param credentials how requests are signed
 */
public record S3Endpoint(URI endpoint, Region region, AwsCredentialsProvider credentials) {
    public static final String DEFAULT_REGION = "us-east-1";

    public static S3Endpoint fromEnvironment(Map<String, String> env) {
        String endpointText = firstSet(env, "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
        URI endpoint = null;
        if (endpointText != null) {
            try {
                endpoint = URI.create(endpointText);
            } catch (IllegalArgumentException e) {
                endpoint = null;
            }
            if (endpoint == null || endpoint.getHost() == null || endpoint.getUserInfo() != null
                    || !("https".equals(endpoint.getScheme()) || "http".equals(endpoint.getScheme()))) {
                String shown = endpointText.contains("@") ? "(a URL with credentials)" : endpointText;
                throw new IllegalArgumentException("AWS_ENDPOINT_URL " + shown + ": expected https://HOST[:PORT]"
                        + " without credentials");
            }
        }
        String region = firstSet(env, "AWS_REGION", "AWS_DEFAULT_REGION");
        String key = firstSet(env, "AWS_ACCESS_KEY_ID");
        String secret = firstSet(env, "AWS_SECRET_ACCESS_KEY");
        String session = firstSet(env, "AWS_SESSION_TOKEN");
        AwsCredentialsProvider credentials;
        if (key != null && secret != null) {
            credentials = StaticCredentialsProvider.create(session == null ? AwsBasicCredentials.create(key, secret)
                    : AwsSessionCredentials.create(key, secret, session));
        } else {
            credentials = DefaultCredentialsProvider.builder().build();
        }
        return new S3Endpoint(endpoint, Region.of(region == null ? DEFAULT_REGION : region), credentials);
    }

    /**
     * A client that tries each request once (retries are {@link dev.plrd.transport.Retry}'s, as for every transfer)
     * and leaves checksums to the fetch, which checks each object's ETag and size itself.
     */
    S3Client client() {
        var builder = S3Client.builder().region(region).credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(30))
                        .socketTimeout(Duration.ofMinutes(2)))
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (endpoint != null) {
            builder.endpointOverride(endpoint).forcePathStyle(true);
        } else {
            builder.crossRegionAccessEnabled(true);
        }
        return builder.build();
    }

    private static String firstSet(Map<String, String> env, String... names) {
        for (String name : names) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                return value.strip();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return (endpoint == null ? "AWS S3" : endpoint.toString()) + " in " + region;
    }
}
