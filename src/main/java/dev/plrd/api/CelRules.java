package dev.plrd.api;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.ListType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Evaluates CRD validation rules the way the API server does: the CEL standard library, the
 * string extensions, and {@code isSorted()} from the Kubernetes list library (the only
 * Kubernetes-specific function our rules use). A rule that uses anything else fails to compile,
 * so a new rule cannot silently go unchecked outside a cluster.
 */
final class CelRules {
    private static final String IS_SORTED = "list_isSorted";

    private final CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("self", SimpleType.DYN)
            .addLibraries(CelExtensions.strings())
            .addFunctionDeclarations(CelFunctionDecl.newFunctionDeclaration("isSorted",
                    CelOverloadDecl.newMemberOverload(IS_SORTED, SimpleType.BOOL, ListType.create(SimpleType.DYN))))
            .build();

    private final CelRuntime runtime = CelRuntimeFactory.standardCelRuntimeBuilder()
            .addLibraries(CelExtensions.strings())
            .addFunctionBindings(CelFunctionBinding.from(IS_SORTED, List.class, CelRules::isSorted))
            .build();

    private final Map<String, CelRuntime.Program> programs = new ConcurrentHashMap<>();

    /** Compiles a rule now, so that a broken rule is found when the schema is loaded. */
    void compile(String rule) {
        program(rule);
    }

    boolean holds(String rule, Object self) throws CelEvaluationException {
        return Boolean.TRUE.equals(program(rule).eval(Map.of("self", self)));
    }

    private CelRuntime.Program program(String rule) {
        return programs.computeIfAbsent(rule, r -> {
            try {
                CelAbstractSyntaxTree ast = compiler.compile(r).getAst();
                return runtime.createProgram(ast);
            } catch (CelValidationException | CelEvaluationException e) {
                throw new IllegalStateException("CRD rule does not compile: " + r + ": " + e.getMessage(), e);
            }
        });
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static boolean isSorted(List list) {
        for (int i = 1; i < list.size(); i++) {
            if (((Comparable) list.get(i - 1)).compareTo(list.get(i)) > 0) {
                return false;
            }
        }
        return true;
    }
}
