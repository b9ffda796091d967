package dev.plrd.transport.fetch;

import java.nio.file.Path;

/**
 * What a fetch made available: location (a directory with the files at their repository paths,
 * or a local file or directory read in place), the commit a Hub revision resolved to or the
 * manifest digest of an oci:// member (null for other sources), how many files and bytes it
 * holds, and how many bytes this fetch downloaded (0 when the cache had everything).
 */
public record FetchResult(String uri, Path location, String revision, int files, long bytes, long downloaded) {
}
