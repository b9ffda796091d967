package dev.plrd.decompose;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LapackTest {
    /** The bundled native OpenBLAS, never a Java fallback, with one thread per available processor. */
    @Test
    void nativeOpenBlasIsLoadedAndNamed() {
        assertThat(Lapack.implementation())
                .startsWith("OpenBLAS 0.3.31")
                .endsWith(", " + Runtime.getRuntime().availableProcessors() + " threads");
    }
}
