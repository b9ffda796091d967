package dev.plrd.transport.fetch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Hugging Face Hub's endpoints as a fetch uses them, on 127.0.0.1: revision resolution, the
 * paginated recursive tree listing with LFS sha256 digests, and downloads by {@code resolve/SHA/PATH}
 * that redirect LFS files to a "CDN" path with a signed query, all with Range support. Private
 * repositories answer 401 without the right bearer token; unknown revisions 404. Faults on demand:
 * a file listed with a wrong sha256, a connection dropped halfway through a file, a throttled file.
 * Every request is recorded, so tests count downloads and look for Range and Authorization headers.
 */
public final class HubImitation implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern API = Pattern.compile("/api/(models|datasets)/([^/]+/[^/]+)/(revision|tree)/([^/]+)");
    private static final Pattern RESOLVE = Pattern.compile("/(datasets/)?([^/]+/[^/]+)/resolve/([0-9a-f]{40})/(.+)");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");
    private static final int PAGE = 2;

    /** One request as the server saw it. */
    public record Request(String path, String range, String authorization) {
    }

    /** A file of a repository: content from memory or from disk (large files), whether it is kept in LFS. */
    public record RepoFile(byte[] bytes, Path file, boolean lfs) {
        long size() throws IOException {
            return bytes != null ? bytes.length : Files.size(file);
        }
    }

    public static final class Repo {
        final String commit;
        final Map<String, String> revisions = new ConcurrentHashMap<>();
        final Map<String, RepoFile> files = new TreeMap<>();
        final Map<String, String> wrongSha256 = new ConcurrentHashMap<>();
        public boolean privateRepo;

        Repo(String commit) {
            this.commit = commit;
            revisions.put("main", commit);
            revisions.put(commit, commit);
        }

        public Repo add(String path, String text) {
            files.put(path, new RepoFile(text.getBytes(StandardCharsets.UTF_8), null, false));
            return this;
        }

        public Repo addLfs(String path, byte[] bytes) {
            files.put(path, new RepoFile(bytes, null, true));
            return this;
        }

        public Repo addLfs(String path, Path file) {
            files.put(path, new RepoFile(null, file, true));
            return this;
        }

        /** The listing gives path a sha256 that its content does not have. */
        public Repo tamper(String path) {
            wrongSha256.put(path, "0".repeat(64));
            return this;
        }
    }

    private final HttpServer server;
    /** The CDN that LFS downloads are redirected to: another origin, as on the real Hub. */
    private final HttpServer cdnServer;
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, String> cdn = new ConcurrentHashMap<>();
    private static final Map<RepoFile, String> SHA256 = new ConcurrentHashMap<>();
    /** Single files outside any repository, at /files/NAME, as an https:// source. */
    public final Map<String, byte[]> webFiles = new ConcurrentHashMap<>();
    public final List<Request> requests = new CopyOnWriteArrayList<>();
    /** Paths whose next download the server cuts after half the body, as a lost connection does. */
    public final Set<String> dropHalfway = ConcurrentHashMap.newKeySet();
    /** Bytes per 10 ms for throttled paths, so that a test can kill a fetch in the middle. */
    public final Map<String, Integer> throttle = new ConcurrentHashMap<>();
    private final AtomicInteger failuresToServe = new AtomicInteger();
    private String token;

    public HubImitation() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
        cdnServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        cdnServer.setExecutor(Executors.newCachedThreadPool());
        cdnServer.createContext("/", this::handle);
        cdnServer.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** type is models or datasets; name ORG/NAME. */
    public Repo repo(String type, String name, String commit) {
        Repo repo = new Repo(commit);
        repos.put(type + "/" + name, repo);
        return repo;
    }

    /** Private repositories accept this bearer token. */
    public void token(String token) {
        this.token = token;
    }

    /** The next n requests answer 503, as an overloaded server does. */
    public void failNext(int n) {
        failuresToServe.set(n);
    }

    public List<Request> downloads() {
        return requests.stream().filter(r -> r.path().contains("/resolve/") || r.path().startsWith("/cdn/")
                || r.path().startsWith("/files/")).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            requests.add(new Request(path, exchange.getRequestHeaders().getFirst("Range"),
                    exchange.getRequestHeaders().getFirst("Authorization")));
            if (failuresToServe.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                status(exchange, 503, "try later");
                return;
            }
            Matcher api = API.matcher(path);
            Matcher resolve = RESOLVE.matcher(path);
            if (api.matches()) {
                api(exchange, api);
            } else if (resolve.matches()) {
                resolve(exchange, resolve);
            } else if (path.startsWith("/files/") && webFiles.containsKey(path.substring("/files/".length()))) {
                serve(exchange, path, new RepoFile(webFiles.get(path.substring("/files/".length())), null, false));
            } else if (path.startsWith("/cdn/") && cdn.containsKey(path)) {
                String[] repoAndPath = cdn.get(path).split("\u0000");
                serve(exchange, repoAndPath[1], repos.get(repoAndPath[0]).files.get(repoAndPath[1]));
            } else {
                status(exchange, 404, "not found");
            }
        }
    }

    private boolean authorised(HttpExchange exchange, Repo repo) throws IOException {
        if (repo.privateRepo && !("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            status(exchange, 401, "{\"error\":\"Invalid credentials in Authorization header\"}");
            return false;
        }
        return true;
    }

    private void api(HttpExchange exchange, Matcher m) throws IOException {
        Repo repo = repos.get(m.group(1) + "/" + m.group(2));
        if (repo == null) {
            status(exchange, 401, "{\"error\":\"Repository not found\"}");
            return;
        }
        if (!authorised(exchange, repo)) {
            return;
        }
        String revision = URLDecoder.decode(m.group(4), StandardCharsets.UTF_8);
        String sha = repo.revisions.get(revision);
        if (sha == null) {
            exchange.getResponseHeaders().add("X-Error-Code", "RevisionNotFound");
            status(exchange, 404, "{\"error\":\"Invalid rev id: " + revision + "\"}");
            return;
        }
        if (m.group(3).equals("revision")) {
            ObjectNode info = JSON.createObjectNode().put("id", m.group(2)).put("sha", sha);
            ArrayNode siblings = info.putArray("siblings");
            repo.files.keySet().forEach(p -> siblings.addObject().put("rfilename", p));
            json(exchange, info.toString());
            return;
        }
        String query = exchange.getRequestURI().getQuery();
        int cursor = query != null && query.contains("cursor=") ? Integer.parseInt(query.replaceAll(".*cursor=(\\d+).*", "$1")) : 0;
        List<String> paths = List.copyOf(repo.files.keySet());
        ArrayNode page = JSON.createArrayNode();
        for (String p : paths.subList(cursor, Math.min(paths.size(), cursor + PAGE))) {
            RepoFile f = repo.files.get(p);
            ObjectNode entry = page.addObject().put("type", "file").put("path", p).put("size", f.size());
            if (f.lfs()) {
                entry.put("oid", gitBlobSha1(("version https://git-lfs.github.com/spec/v1\noid sha256:x\n").getBytes()));
                entry.putObject("lfs").put("oid", repo.wrongSha256.getOrDefault(p, sha256(f))).put("size", f.size())
                        .put("pointerSize", 134);
            } else {
                entry.put("oid", gitBlobSha1(f.bytes()));
            }
        }
        if (cursor + PAGE < paths.size()) {
            exchange.getResponseHeaders().add("Link", "<" + exchange.getRequestURI().getPath()
                    + "?recursive=true&cursor=" + (cursor + PAGE) + ">; rel=\"next\"");
        }
        json(exchange, page.toString());
    }

    private void resolve(HttpExchange exchange, Matcher m) throws IOException {
        String key = (m.group(1) == null ? "models/" : "datasets/") + m.group(2);
        Repo repo = repos.get(key);
        if (repo == null || !repo.commit.equals(m.group(3))) {
            status(exchange, 404, "Entry not found");
            return;
        }
        if (!authorised(exchange, repo)) {
            return;
        }
        String path = URLDecoder.decode(m.group(4), StandardCharsets.UTF_8);
        RepoFile f = repo.files.get(path);
        if (f == null) {
            status(exchange, 404, "Entry not found");
        } else if (f.lfs()) {
            String location = "/cdn/" + sha256(f);
            cdn.put(location, key + "\u0000" + path);
            exchange.getResponseHeaders().add("Location", "http://127.0.0.1:" + cdnServer.getAddress().getPort()
                    + location + "?X-Amz-Signature=signed-" + sha256(f));
            exchange.sendResponseHeaders(302, -1);
        } else {
            serve(exchange, path, f);
        }
    }

    /** The file, whole (200) or from a Range offset (206), possibly cut or slowed as the test asked. */
    private void serve(HttpExchange exchange, String path, RepoFile f) throws IOException {
        if (exchange.getRequestHeaders().getFirst("Authorization") != null && exchange.getRequestURI().getPath().startsWith("/cdn/")) {
            status(exchange, 400, "the CDN never gets the Hub's token");
            return;
        }
        long size = f.size();
        long from = 0;
        String range = exchange.getRequestHeaders().getFirst("Range");
        Matcher r = range == null ? null : RANGE.matcher(range);
        if (r != null && r.matches()) {
            from = Long.parseLong(r.group(1));
            if (from >= size) {
                exchange.getResponseHeaders().add("Content-Range", "bytes */" + size);
                exchange.sendResponseHeaders(416, -1);
                return;
            }
            exchange.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (size - 1) + "/" + size);
        }
        exchange.getResponseHeaders().add("ETag", "\"" + sha256(f) + "\"");
        exchange.sendResponseHeaders(from > 0 ? 206 : 200, size - from);
        boolean drop = dropHalfway.remove(path);
        Integer perTick = throttle.getOrDefault(path, 0) > 0 ? throttle.get(path) : null;
        long stopAt = drop ? from + (size - from) / 2 : size;
        try (var in = f.bytes() != null ? new java.io.ByteArrayInputStream(f.bytes()) : Files.newInputStream(f.file())) {
            in.skipNBytes(from);
            OutputStream out = exchange.getResponseBody();
            byte[] buffer = new byte[perTick != null ? perTick : 1 << 16];
            for (long at = from; at < stopAt; ) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, stopAt - at));
                out.write(buffer, 0, n);
                at += n;
                if (perTick != null) {
                    out.flush();
                    sleep();
                }
            }
            out.flush();
        }
        if (drop) {
            // leaving the handler with an exception makes the server close the connection mid-body
            throw new IOException("dropping the connection halfway, as the test asked");
        }
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void json(HttpExchange exchange, String body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        status(exchange, 200, body);
    }

    private static void status(HttpExchange exchange, int code, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(code, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    public static String sha256(RepoFile f) throws IOException {
        String known = SHA256.get(f);
        if (known == null) {
            known = computeSha256(f);
            SHA256.put(f, known);
        }
        return known;
    }

    private static String computeSha256(RepoFile f) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            if (f.bytes() != null) {
                digest.update(f.bytes());
            } else {
                try (var in = Files.newInputStream(f.file())) {
                    byte[] buffer = new byte[1 << 20];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        digest.update(buffer, 0, n);
                    }
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The git blob id as git computes it, independently of the code under test. */
    static String gitBlobSha1(byte[] content) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-1");
            digest.update(("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(digest.digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        cdnServer.stop(0);
    }
}
