package dev.plrd.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A class's main method run as a process of its own, on the test classpath with the test JVM's
 * offline DJL and JavaCPP settings: for stage workers as they run in a pod (signals, exit codes)
 * and for benchmarks that need a process's own peak memory.
 */
public final class JavaProcess {
    private final Process process;
    private final Path status;
    private long peakKb;

    private JavaProcess(Process process) {
        this.process = process;
        this.status = Path.of("/proc", Long.toString(process.pid()), "status");
    }

    /** Starts mainClass with args, stdout and stderr together into log. */
    public static JavaProcess start(Class<?> mainClass, Path log, Object... args) throws IOException {
        return start(List.of(), mainClass, log, args);
    }

    /** As {@link #start(Class, Path, Object...)}, with JVM options such as a heap limit before the class name. */
    public static JavaProcess start(List<String> jvmOptions, Class<?> mainClass, Path log, Object... args)
            throws IOException {
        return start(jvmOptions, Map.of(), mainClass, log, args);
    }

    /** As {@link #start(List, Class, Path, Object...)}, with variables added to the inherited environment. */
    public static JavaProcess start(List<String> jvmOptions, Map<String, String> environment, Class<?> mainClass,
            Path log, Object... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                "-Dai.djl.offline=true", "-DDJL_CACHE_DIR=" + System.getProperty("DJL_CACHE_DIR"),
                "-DENGINE_CACHE_DIR=" + System.getProperty("ENGINE_CACHE_DIR", System.getProperty("DJL_CACHE_DIR")),
                "-Dorg.bytedeco.javacpp.cachedir=" + System.getProperty("org.bytedeco.javacpp.cachedir")));
        command.addAll(jvmOptions);
        command.add(mainClass.getName());
        for (Object a : args) {
            command.add(a.toString());
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        return new JavaProcess(builder.start());
    }

    public Process process() {
        return process;
    }

    /** Waits for the exit, sampling the peak resident memory (VmHWM) every 20 ms; returns the exit code. */
    public int waitFor() throws InterruptedException {
        while (process.isAlive()) {
            peakKb = Math.max(peakKb, highWaterMarkKb());
            Thread.sleep(20);
        }
        return process.exitValue();
    }

    public double peakMiB() {
        return peakKb / 1024.0;
    }

    private long highWaterMarkKb() {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process ended between the liveness check and the read
        }
        return 0;
    }
}
