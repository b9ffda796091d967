package dev.plrd.transport.fetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plrd.transport.Retry;
import dev.plrd.transport.TransportException;
import dev.plrd.transport.fetch.FetchSource.HubRepo;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The three Hub endpoints a fetch uses, as huggingface_hub calls them (hf_api.py: {@code repo_info}
 * and {@code list_repo_tree}; file_download.py: {@code hf_hub_url}):
 * <ul>
 * <li>{@code GET /api/{models|datasets}/ORG/NAME/revision/REV}: the revision's commit, {@code {"sha": ...}};
 * <li>{@code GET /api/{models|datasets}/ORG/NAME/tree/SHA?recursive=true}: a JSON array of
 * {@code {"type": "file"|"directory", "path", "size", "oid", "lfs": {"oid", "size"}}}, where {@code oid} is
 * the git blob id and {@code lfs.oid} the sha256 of an LFS file's content; paginated by a
 * {@code Link: <...>; rel="next"} header;
 * <li>{@code GET [/datasets]/ORG/NAME/resolve/SHA/PATH}: the file, usually by a redirect to a CDN.
 * </ul>
 * The revision goes into URLs encoded whole ({@code refs/pr/1} as {@code refs%2Fpr%2F1}), as huggingface_hub does.
 */
final class HubApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final URI endpoint;
    private final HttpTransfer http;

    HubApi(HubEndpoint hub, Retry retry) {
        this.endpoint = hub.endpoint();
        this.http = new HttpTransfer(hub.endpoint(), hub.token(), retry);
    }

    HttpTransfer http() {
        return http;
    }

    /** The commit sha that repo's revision names now. */
    String resolve(HubRepo repo) throws IOException {
        URI uri = URI.create(endpoint + "/api/" + repo.type() + "/" + repo.repo() + "/revision/" + encode(repo.revision()));
        JsonNode info = parse(http.getText(uri, repo.uri()).body(), repo, uri);
        String sha = info.path("sha").asText("");
        if (!COMMIT.matcher(sha).matches()) {
            throw new TransportException(repo.uri() + ": the Hub's answer for revision " + repo.revision()
                    + " has no commit sha", true);
        }
        return sha;
    }

    /** Every file of repo at commit sha, with its size and digest, following the listing's pages. */
    List<RemoteFile> files(HubRepo repo, String sha) throws IOException {
        List<RemoteFile> files = new ArrayList<>();
        URI page = URI.create(endpoint + "/api/" + repo.type() + "/" + repo.repo() + "/tree/" + sha + "?recursive=true");
        while (page != null) {
            HttpTransfer.Text text = http.getText(page, repo.uri());
            JsonNode entries = parse(text.body(), repo, page);
            if (!entries.isArray()) {
                throw new TransportException(repo.uri() + ": the Hub's file listing is not a JSON array", true);
            }
            for (JsonNode entry : entries) {
                if ("file".equals(entry.path("type").asText())) {
                    files.add(file(entry, repo));
                }
            }
            page = next(text.header("Link"), page);
        }
        return files;
    }

    URI download(HubRepo repo, String sha, String path) {
        StringBuilder uri = new StringBuilder(endpoint.toString()).append(repo.dataset() ? "/datasets/" : "/")
                .append(repo.repo()).append("/resolve/").append(sha);
        for (String segment : path.split("/")) {
            uri.append('/').append(encode(segment));
        }
        return URI.create(uri.toString());
    }

    private static RemoteFile file(JsonNode entry, HubRepo repo) throws TransportException {
        String path = entry.path("path").asText("");
        try {
            JsonNode lfs = entry.path("lfs");
            if (lfs.isObject()) {
                return new RemoteFile(path, lfs.path("size").asLong(entry.path("size").asLong()),
                        ContentDigest.sha256(lfs.path("oid").asText()));
            }
            return new RemoteFile(path, entry.path("size").asLong(), ContentDigest.gitBlob(entry.path("oid").asText()));
        } catch (IllegalArgumentException e) {
            throw new TransportException(repo.uri() + ": the Hub lists " + path + " without a usable digest ("
                    + e.getMessage() + ")", true, e);
        }
    }

    private static URI next(Optional<String> link, URI page) {
        if (link.isEmpty()) {
            return null;
        }
        Matcher m = NEXT.matcher(link.get());
        return m.find() ? page.resolve(m.group(1)) : null;
    }

    private static JsonNode parse(String body, HubRepo repo, URI uri) throws TransportException {
        try {
            return JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new TransportException(repo.uri() + ": " + HttpTransfer.describe(uri) + " did not answer JSON", true, e);
        }
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
