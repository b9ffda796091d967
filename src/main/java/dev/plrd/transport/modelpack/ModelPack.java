package dev.plrd.transport.modelpack;

/**
 * The names of the CNCF ModelPack model-spec v1 that our artifacts use, as its Go package
 * {@code specs-go/v1} (mediatype.go, annotations.go) defines them. Followed: github.com/modelpack/model-spec
 * at commit d78bf3231b4f26196c4a955e1007ccc47e19a77c (2026-06-08), docs/spec.md, docs/config.md,
 * docs/annotations.md and schema/config-schema.json.
 */
public final class ModelPack {
    private ModelPack() {
    }

    /** The manifest is a plain OCI image manifest; the artifactType says it holds a model. */
    public static final String MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
    public static final String ARTIFACT_TYPE = "application/vnd.cncf.model.manifest.v1+json";
    public static final String CONFIG_MEDIA_TYPE = "application/vnd.cncf.model.config.v1+json";

    /** Raw (unarchived, uncompressed) layers: weights are incompressible, and raw layers are served by range. */
    public static final String WEIGHT_RAW = "application/vnd.cncf.model.weight.v1.raw";
    public static final String WEIGHT_CONFIG_RAW = "application/vnd.cncf.model.weight.config.v1.raw";
    public static final String CODE_RAW = "application/vnd.cncf.model.code.v1.raw";
    public static final String DOC_RAW = "application/vnd.cncf.model.doc.v1.raw";

    /** Layer annotations of the spec: where the file goes, and its file attributes as JSON. */
    public static final String FILEPATH = "org.cncf.model.filepath";
    public static final String FILE_METADATA = "org.cncf.model.file.metadata+json";
    /** "true" when a layer's media type is a guess from the file name rather than a known checkpoint file. */
    public static final String MEDIA_TYPE_UNTESTED = "org.cncf.model.file.mediatype.untested";
}
