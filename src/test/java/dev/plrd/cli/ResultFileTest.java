package dev.plrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The result file is the stage's only report to the operator: a failure to write it names it. */
class ResultFileTest {
    @Test
    void aFullDiskUnderTheResultFileIsNamed() {
        // the stage fails (no such model), and writing its failure hits a full disk: /dev/full answers ENOSPC
        Plrd.Run run = Plrd.run("evaluate", "--model", "/nonexistent/model", "--data", "/nonexistent/data",
                "--result", "/dev/full");
        assertThat(run.err()).contains("could not write the stage result: /dev/full: No space left on device");
    }
}
