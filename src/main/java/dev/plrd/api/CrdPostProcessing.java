package dev.plrd.api;

import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;

/** The one post-processor the build takes: each step fixes one thing the generator cannot express. */
public class CrdPostProcessing implements CRDPostProcessor {
    private static final List<CRDPostProcessor> STEPS = List.of(new PrinterColumnOrder(), new ConditionsListMap(),
            new NodeSelectorValueLength(), new InheritedDescriptions());

    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
        HasMetadata out = crd;
        for (CRDPostProcessor step : STEPS) {
            out = step.process(out, crdSpecVersion);
        }
        return out;
    }
}
