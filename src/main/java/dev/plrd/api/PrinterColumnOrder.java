package dev.plrd.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Build-time CRD post-processor: the generator sorts printer columns by JSON path, which would
 * put Age first; kubectl shows them in CRD order, so put them back in the order
 * {@link ModelFamily} declares them.
 */
public class PrinterColumnOrder implements CRDPostProcessor {
    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
        if (!(crd instanceof CustomResourceDefinition definition)) {
            return crd;
        }
        List<String> order = Arrays.stream(ModelFamily.class.getAnnotationsByType(AdditionalPrinterColumn.class))
                .map(AdditionalPrinterColumn::name).toList();
        definition.getSpec().getVersions().forEach(v -> {
            if (v.getAdditionalPrinterColumns() != null) {
                v.getAdditionalPrinterColumns().sort(Comparator.comparingInt(
                        (CustomResourceColumnDefinition c) -> order.indexOf(c.getName())));
            }
        });
        return crd;
    }
}
