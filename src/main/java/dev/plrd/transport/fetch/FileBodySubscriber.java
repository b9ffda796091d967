package dev.plrd.transport.fetch;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body written straight from the HTTP client's buffers to a file channel, hashed on the
 * way (no copy through an InputStream, no second read of the file), one buffer list at a time so
 * that a slow disk slows the connection instead of filling the heap. Completes with the bytes
 * written, after forcing them to disk: the file is renamed to its final name next.
 */
final class FileBodySubscriber implements HttpResponse.BodySubscriber<Long> {
    private final FileChannel channel;
    private final MessageDigest digest;
    private final TransferProgress progress;
    private final CompletableFuture<Long> result = new CompletableFuture<>();
    private Flow.Subscription subscription;
    private long written;

    /** channel is positioned where the body goes, and closed here; digest (or null) has seen the bytes before it. */
    FileBodySubscriber(FileChannel channel, MessageDigest digest, TransferProgress progress) {
        this.channel = channel;
        this.digest = digest;
        this.progress = progress;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        subscription.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        try {
            for (ByteBuffer buffer : buffers) {
                int n = buffer.remaining();
                if (digest != null) {
                    digest.update(buffer.duplicate());
                }
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                written += n;
                progress.advance(n);
            }
            subscription.request(1);
        } catch (IOException e) {
            subscription.cancel();
            fail(e);
        }
    }

    @Override
    public void onError(Throwable error) {
        fail(error);
    }

    @Override
    public void onComplete() {
        try (channel) {
            channel.force(false);
            result.complete(written);
        } catch (IOException e) {
            result.completeExceptionally(e);
        }
    }

    private void fail(Throwable error) {
        try {
            channel.close();
        } catch (IOException e) {
            error.addSuppressed(e);
        }
        result.completeExceptionally(error);
    }

    @Override
    public CompletionStage<Long> getBody() {
        return result;
    }
}
