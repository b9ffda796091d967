package dev.plrd.transport.fetch;

import dev.plrd.transport.Retry;
import dev.plrd.transport.TransportException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The S3 requests a fetch makes, each tried within a {@link Retry}, with failures that name the source URI and
 * the HTTP status and S3's error code (never a credential): 4xx are permanent (no such bucket or key, access
 * denied, a bucket in another region), 5xx, 429, a changed object (412) and dropped connections may pass.
 */
final class S3Api {
    /** An object under the fetched prefix: its path below the prefix, its key, size and ETag (without quotes). */
    record Listed(String path, String key, long size, String etag) {
    }

    /** One request to S3, tried once per call. */
    interface Call<T> {
        T run() throws IOException;
    }

    private final S3Client s3;
    private final Retry retry;
    private final String uri;

    S3Api(S3Client s3, Retry retry, String uri) {
        this.s3 = s3;
        this.retry = retry;
        this.uri = uri;
    }

    S3Client client() {
        return s3;
    }

    /**
     * The objects whose keys lie under prefix taken as a directory ({@code a/b} lists {@code a/b/...}, not
     * {@code a/bc}), or the one object whose key is prefix (its path is then its last segment); folder markers
     * (keys ending in '/') are left out.
     */
    List<Listed> list(String bucket, String prefix) throws IOException {
        String directory = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
        List<S3Object> objects = run("list s3://" + bucket + "/" + prefix, () -> s3.listObjectsV2Paginator(
                ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).build()).contents().stream().toList());
        List<Listed> listed = new ArrayList<>();
        for (S3Object o : objects) {
            String key = o.key();
            if (key.endsWith("/")) {
                continue;
            }
            String path = key.equals(prefix) ? key.substring(key.lastIndexOf('/') + 1)
                    : key.startsWith(directory) ? key.substring(directory.length()) : null;
            if (path != null) {
                listed.add(new Listed(path, key, o.size(), unquote(o.eTag())));
            }
        }
        return listed;
    }

    /** What S3 says about part partNumber of an object uploaded in parts (its size, and how many there are). */
    HeadObjectResponse headPart(String bucket, String key, int partNumber) throws IOException {
        return run("head s3://" + bucket + "/" + key, () -> s3.headObject(b -> b.bucket(bucket).key(key)
                .partNumber(partNumber)));
    }

    /** Runs call within the retry, turning S3's and the connection's failures into TransportExceptions. */
    <T> T run(String what, Call<T> call) throws IOException {
        return retry.run(uri + ": " + what, () -> {
            try {
                return call.run();
            } catch (S3Exception e) {
                throw failure(e, what);
            } catch (SdkClientException e) {
                throw new TransportException(uri + ": " + what + ": " + e.getMessage(), false, e);
            }
        });
    }

    private TransportException failure(S3Exception e, String what) {
        int status = e.statusCode();
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        String message = uri + ": HTTP " + status + " from S3 for " + what + (code == null ? "" : " (" + code + ")");
        return switch (status) {
            case 301 -> new TransportException(message + ": the bucket is in another region; set AWS_REGION", true, e);
            case 401, 403 -> new TransportException(message + ": access denied; the credentials are not accepted or"
                    + " may not read this bucket (s3:ListBucket, s3:GetObject)", true, e);
            case 404 -> new TransportException(message + ": no such bucket or key", true, e);
            case 412 -> new TransportException(message + ": the object changed during the fetch", false, e);
            default -> new TransportException(message, status < 500 && status != 429 && status != 408, e);
        };
    }

    static String unquote(String etag) {
        return etag == null ? "" : etag.replace("\"", "");
    }
}
