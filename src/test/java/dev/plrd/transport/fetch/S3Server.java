package dev.plrd.transport.fetch;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * s3rver (npm, {@code npm install -g s3rver@3.7.1}), an S3-compatible server, on a free 127.0.0.1 port with its
 * objects in a directory of the test, stopped by its process id. It knows one access key, {@code S3RVER}, and
 * answers 403 {@code InvalidAccessKeyId} to any other; it does not check SigV4 signatures, so a wrong secret
 * passes (its source says "Signature version 4 calculation is unimplemented"). It stores the aws-chunked framing
 * of a streamed upload as content, so {@link #client()} uploads without it. Objects lie in {@code DIR/BUCKET/KEY._S3rver_object},
 * so a test can change one behind the server's back; its request log (one line per request) is kept.
 */
public final class S3Server implements AutoCloseable {
    public static final String KEY = "S3RVER";
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path dir;
    private final Path log;
    private final int port;

    private S3Server(Process process, Path dir, Path log, int port) {
        this.process = process;
        this.dir = dir;
        this.log = log;
        this.port = port;
    }

    /** The s3rver executable on PATH, or in npm's global bin directory. */
    public static Optional<Path> executable() {
        Stream<String> dirs = Stream.concat(Stream.of(System.getenv().getOrDefault("PATH", "").split(":")),
                Stream.of("/usr/local/bin", "/usr/bin"));
        return dirs.filter(d -> !d.isEmpty()).map(d -> Path.of(d, "s3rver")).filter(Files::isExecutable).findFirst();
    }

    /** Why the S3 tests are skipped when there is no server to run. */
    public static String missing() {
        return "s3rver is not installed (npm install -g s3rver@3.7.1): S3 tests skipped";
    }

    /** Starts s3rver with the given buckets, its data and log under dir. */
    public static S3Server start(Path dir, String... buckets) throws IOException, InterruptedException {
        Path data = Files.createDirectories(dir.resolve("s3-data"));
        Path log = dir.resolve("s3rver.log");
        List<String> command = new java.util.ArrayList<>(List.of(executable().orElseThrow(
                () -> new IOException(missing())).toString(), "-d", data.toString(), "-a", "127.0.0.1", "-p", "0"));
        for (String bucket : buckets) {
            command.addAll(List.of("--configure-bucket", bucket));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) {
                return new S3Server(process, data, log, Integer.parseInt(m.group(1)));
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        process.destroyForcibly();
        throw new IOException("s3rver did not start within " + START_TIMEOUT.toSeconds() + " s: " + Files.readString(log));
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** How a fetch reaches this server: its endpoint, with these credentials. */
    public S3Endpoint fetchEndpoint(String accessKey, String secret) {
        return new S3Endpoint(endpoint(), Region.US_EAST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secret)));
    }

    /** How a fetch reaches this server with the accepted credentials. */
    public S3Endpoint fetchEndpoint() {
        return fetchEndpoint(KEY, KEY);
    }

    /** A client with the accepted credentials, to put objects: payloads signed whole, not aws-chunked. */
    public S3Client client() {
        return S3Client.builder().endpointOverride(endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                .credentialsProvider(fetchEndpoint().credentials())
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .serviceConfiguration(c -> c.chunkedEncodingEnabled(false))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED).build();
    }

    public void put(String bucket, String key, byte[] content) {
        try (S3Client s3 = client()) {
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content));
        }
    }

    public void put(String bucket, String key, Path file) {
        try (S3Client s3 = client()) {
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file));
        }
    }

    /** Uploads content in parts of partSize bytes (the last may be shorter): its ETag is then {@code HEX-N}. */
    public void putInParts(String bucket, String key, byte[] content, int partSize) {
        try (S3Client s3 = client()) {
            String upload = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
            List<CompletedPart> parts = new java.util.ArrayList<>();
            for (int offset = 0, number = 1; offset < content.length; offset += partSize, number++) {
                int n = number;
                byte[] part = java.util.Arrays.copyOfRange(content, offset, Math.min(content.length, offset + partSize));
                String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(upload).partNumber(n),
                        RequestBody.fromBytes(part)).eTag();
                parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(upload)
                    .multipartUpload(m -> m.parts(parts)));
        }
    }

    /** The file in which the server keeps an object's content. */
    public Path objectFile(String bucket, String key) {
        return dir.resolve(bucket).resolve(key + "._S3rver_object");
    }

    /**
     * The ranged GETs (answered 206) of objects whose key ends with name: s3rver logs each request as the tail of its
     * path and its status, such as {@code info: /model.safetensors 206 4ms 32mb}.
     */
    public long rangedGets(String name) throws IOException {
        return Files.readAllLines(log).stream().filter(l -> l.contains("/" + name + " 206 ")).count();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
