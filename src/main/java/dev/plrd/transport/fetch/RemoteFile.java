package dev.plrd.transport.fetch;

/** A file of a Hub repository at one commit: its path in the repository, its size and its verified digest. */
public record RemoteFile(String path, long size, ContentDigest digest) {
}
