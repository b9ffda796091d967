package dev.plrd.kube;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives test classes one kube-apiserver (no extra flags) for the whole run, stopped when the run
 * ends: starting one takes seconds, and tests keep apart by namespace. A class that needs other
 * API server flags starts its own {@link KubeApiServer}.
 */
public final class SharedKubeApiServer implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(SharedKubeApiServer.class);

    /** Skips the class when KUBE_TEST_ASSETS is unset: during parameter resolution, the same assumption is an error. */
    @Override
    public void beforeAll(ExtensionContext context) {
        KubeApiServer.assets();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KubeApiServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        // the root store closes what it holds (AutoCloseable) when the whole run ends
        return context.getRoot().getStore(STORE).computeIfAbsent("plain", key -> KubeApiServer.start(""),
                KubeApiServer.class);
    }
}
