package dev.plrd.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** One pretrained base model and the family of smaller members derived from it. */
@Group(ModelFamily.GROUP)
@Version(ModelFamily.VERSION)
@Kind("ModelFamily")
@Plural("modelfamilies")
@Singular("modelfamily")
@ShortNames("mf")
@Categories("ml")
@AdditionalPrinterColumn(name = "Base", jsonPath = ".spec.base.uri", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Stage", jsonPath = ".status.currentStage", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "GPUs", jsonPath = ".status.gpus", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Published", jsonPath = ".status.published", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = SpecRules.FAMILY_NAME, message = SpecRules.FAMILY_NAME_MESSAGE)
public class ModelFamily extends CustomResource<ModelFamilySpec, ModelFamilyStatus> implements Namespaced {
    public static final String GROUP = "plrd.dev";
    public static final String VERSION = "v1alpha1";
}
