package dev.plrd.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.plrd.api.Specs;
import dev.plrd.api.StageName;
import dev.plrd.plan.PlannedStage;
import dev.plrd.plan.Planner;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final String UID = "8d9c2f8e-3b1a-4c55-9a0e-1f2d3c4b5a69";

    private static PlannedStage stage(String member, StageName name, String fingerprint) {
        return new PlannedStage(member, name, fingerprint, List.of(), 0, 1, false, Set.of());
    }

    private static final PlannedStage DECOMPOSE = stage("m1", StageName.DECOMPOSE, "0123456789abcdef");

    private static void assertValidJobName(String name) {
        assertThat(name).hasSizeLessThanOrEqualTo(Names.LABEL_MAX).matches(DNS_LABEL).doesNotContain("--");
    }

    @Nested
    class Jobs {
        @Test
        void aShortNameKeepsEverythingReadable() {
            String name = Names.job("llama", UID, DECOMPOSE, 1);

            assertThat(name).matches("llama-m1-decompose-[0-9a-f]{5}-1");
            assertValidJobName(name);
        }

        @Test
        void namesAreDeterministic() {
            assertThat(Names.job("llama", UID, DECOMPOSE, 3)).isEqualTo(Names.job("llama", UID, DECOMPOSE, 3));
        }

        @Test
        void namesDifferByAttemptFingerprintAndFamilyUid() {
            String name = Names.job("llama", UID, DECOMPOSE, 1);

            assertThat(Names.job("llama", UID, DECOMPOSE, 2)).isNotEqualTo(name).endsWith("-2");
            assertThat(Names.job("llama", UID, stage("m1", StageName.DECOMPOSE, "fedcba9876543210"), 1))
                    .isNotEqualTo(name);
            assertThat(Names.job("llama", "another-uid", DECOMPOSE, 1)).isNotEqualTo(name);
        }

        @ParameterizedTest
        @ValueSource(ints = {40, 55, 63, 120, 253})
        void longFamilyNamesAreShortenedToALabel(int length) {
            String family = "f".repeat(length);

            for (int attempt : new int[] {1, 9, 10, 123}) {
                String name = Names.job(family, UID, DECOMPOSE, attempt);
                assertValidJobName(name);
                assertThat(name).startsWith("ffff").endsWith("-" + attempt);
            }
        }

        @Test
        void aLongNameIsExactly63Characters() {
            assertThat(Names.job("f".repeat(100), UID, DECOMPOSE, 1)).hasSize(63);
        }

        @Test
        void theShortenedPrefixNeverEndsWithADash() {
            // 55 characters are left for the prefix with a one-digit attempt; the 55th is a '-'.
            String family = "a".repeat(54) + "-tail";

            String name = Names.job(family, UID, DECOMPOSE, 1);

            assertValidJobName(name);
            assertThat(name).startsWith("a".repeat(54) + "-").doesNotContain("a-tail");
        }

        @Test
        void stagesOfALongNamedFamilyStillGetDistinctNames() {
            String family = "x".repeat(70);
            List<PlannedStage> plan = Planner.plan(Specs.family("m1", "5B", "m2", "4B", "m3", "3B"));
            Set<String> names = new HashSet<>();

            for (PlannedStage p : plan) {
                for (int attempt = 1; attempt <= 3; attempt++) {
                    String name = Names.job(family, UID, p, attempt);
                    assertValidJobName(name);
                    names.add(name);
                }
            }

            assertThat(names).hasSize(plan.size() * 3);
        }
    }

    @Nested
    class LabelValues {
        @Test
        void aNameThatFitsIsItsOwnLabelValue() {
            assertThat(Names.labelValue("llama")).isEqualTo("llama");
            assertThat(Names.labelValue("l".repeat(63))).isEqualTo("l".repeat(63));
        }

        @Test
        void aLongNameBecomesAStable63CharacterPrefixAndHash() {
            String name = "l".repeat(64);

            String value = Names.labelValue(name);

            assertThat(value).hasSize(63).startsWith("l".repeat(54) + "-").matches(LABEL_VALUE)
                    .isEqualTo(Names.labelValue(name)).matches(".*-[0-9a-f]{8}");
        }

        @Test
        void longNamesThatShareAPrefixGetDifferentValues() {
            String prefix = "family-".repeat(12);

            assertThat(Names.labelValue(prefix + "one")).isNotEqualTo(Names.labelValue(prefix + "two"));
        }

        @Test
        void theShortenedPrefixNeverEndsWithADashOrDot() {
            for (String name : List.of("a".repeat(53) + "-" + "b".repeat(20), "a".repeat(53) + "." + "b".repeat(20))) {
                String value = Names.labelValue(name);

                assertThat(value).hasSizeLessThanOrEqualTo(63).matches(LABEL_VALUE).doesNotContain("--", ".-");
            }
        }
    }

    @Nested
    class WorkspaceClaims {
        @Test
        void theClaimIsNamedAfterTheFamily() {
            assertThat(Names.workspaceClaim("llama")).isEqualTo("llama-workspace");
        }

        @Test
        void aLongFamilyNameIsShortenedToAValidName() {
            String claim = Names.workspaceClaim("w".repeat(253));

            assertThat(claim).hasSize(253).endsWith("-workspace").startsWith("www");
        }

        @Test
        void theShortenedFamilyNameNeverEndsWithADash() {
            String claim = Names.workspaceClaim("w".repeat(242) + "-" + "x".repeat(10));

            assertThat(claim).hasSizeLessThanOrEqualTo(253).doesNotContain("--").endsWith("w-workspace");
        }
    }
}
