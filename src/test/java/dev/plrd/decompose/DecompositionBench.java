package dev.plrd.decompose;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.bytedeco.openblas.global.openblas_full;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Figures for the decomposition kernels at rank 1024 (run by `make bench`; no assertions). Inputs are float32
 * W = U diag(s) V^T with Haar-random U, V and s_i = (i + 1)^-0.5, the slowly decaying "LLM-like" spectrum of
 * NUMERICS.md, so every error has a known optimum. Times are wall-clock medians of 3 runs (the runs follow in
 * parentheses; "1x" marks a single run); figures that are compared are timed interleaved. Before each group the
 * bench waits (up to 2 minutes) until other processes use under 0.15 cores, and each line ends with the CPU other
 * processes used while it ran: BLAS threads spin, and under contention timings degrade 2-30x.
 */
@Tag("bench")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DecompositionBench {
    private static final int RANK = 1024;
    private static final int NEW_RANK = 512;
    private static final double QUIET_CORES = 0.15;

    @Test
    @Order(1)
    void gemm() {
        System.out.println("implementation: " + Lapack.implementation());
        int n = 4096;
        float[] a = TestMatrices.gaussian(n, n, 1).data();
        float[] b = TestMatrices.gaussian(n, n, 2).data();
        float[] c = new float[n * n];
        double flop = 2.0 * n * n * n;
        Timing blas = time(List.of(() -> {
            allThreads();
            openblas_full.cblas_sgemm(openblas_full.CblasRowMajor, openblas_full.CblasNoTrans, openblas_full.CblasNoTrans,
                    n, n, n, 1f, a, n, b, n, 0f, c, n);
            return null;
        }), 3).get(0);
        line("sgemm 4096^3, OpenBLAS", blas, String.format("%.0f GFLOP/s", flop / blas.seconds / 1e9));
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(a, new Shape(n, n));
            NDArray y = manager.create(b, new Shape(n, n));
            x.matMul(y).close();  // warm-up: the first product also starts the engine's thread pool
            Timing djl = time(List.of(() -> {
                try (NDArray z = x.matMul(y)) {
                    z.toFloatArray();  // waits for the device
                }
                return null;
            }), 3).get(0);
            line("sgemm 4096^3, DJL on " + manager.getDevice(), djl, String.format("%.0f GFLOP/s (incl. copy out)", flop / djl.seconds / 1e9));
        }
    }

    @Test
    @Order(2)
    void square4096() {
        figures(4096, 4096, true);
    }

    @Test
    @Order(3)
    void tall14336x4096() {
        figures(14336, 4096, false);
    }

    private static void figures(int rows, int cols, boolean retruncation) {
        String shape = rows + "x" + cols;
        double[] s = TestMatrices.powerLaw(Math.min(rows, cols), 1, 0.5);
        double optimal = TestMatrices.optimalError(s, RANK);
        Matrix w = withSpectrum(rows, cols, s, 3);
        for (int i = 0; i < 2; i++) {  // warm-up (JIT, heap and allocator growth): the first two runs were 20-30% slower
            RandomizedSvd.truncate(w, RANK, Split.BALANCED, RandomizedSvd.Settings.DEFAULT);
        }

        // interleaved, so that a slow spell of the machine hits all three alike
        List<Timing> main = time(List.of(
                () -> ExactSvd.truncate(w, RANK, Split.BALANCED),
                () -> {
                    // as a caller would without care: the row-major array handed over as it is (column-major W^T)
                    int m = cols;
                    int n = rows;
                    int k = Math.min(m, n);
                    float[] copy = w.data().clone();
                    allThreads();
                    check(openblas_full.LAPACKE_sgesdd(openblas_full.LAPACK_COL_MAJOR, (byte) 'S', m, n, copy, m,
                            new float[k], new float[m * k], m, new float[k * n], k));
                    return null;
                },
                () -> RandomizedSvd.truncate(w, RANK, Split.BALANCED, RandomizedSvd.Settings.DEFAULT)), 3);
        Timing exact = main.get(0);
        Timing lapack = main.get(1);
        Timing randomized = main.get(2);
        Factors exactFactors = (Factors) exact.result;
        Factors rf = (Factors) randomized.result;
        line("exact " + shape + " r=" + RANK, exact, error(exactFactors.relativeError(), optimal));
        line("sgesdd direct " + shape + " (as stored)", lapack, String.format("exact/direct = %.2f", exact.seconds / lapack.seconds));
        line("randomized " + shape + " r=" + RANK + " " + settings(RandomizedSvd.Settings.DEFAULT), randomized,
                error(rf.relativeError(), optimal) + String.format(", %.2fx faster than exact; A B formed: error %.6f",
                        exact.seconds / randomized.seconds, directError(w, rf)));
        long seed = RandomizedSvd.Settings.DEFAULT.seed();
        for (RandomizedSvd.Settings settings : List.of(new RandomizedSvd.Settings(10, 2, seed),
                new RandomizedSvd.Settings(10, 3, seed), new RandomizedSvd.Settings(100, 3, seed),
                new RandomizedSvd.Settings(10, 4, seed), new RandomizedSvd.Settings(10, 5, seed))) {
            Timing t = time(List.of(() -> RandomizedSvd.truncate(w, RANK, Split.BALANCED, settings)), 1).get(0);
            line("  randomized " + shape + " r=" + RANK + " " + settings(settings), t,
                    error(((Factors) t.result).relativeError(), optimal) + String.format(", %.2fx faster than exact", exact.seconds / t.seconds));
        }

        if (retruncation) {
            Matrix a = exactFactors.a();
            Matrix b = exactFactors.b();
            List<Timing> pair = time(List.of(() -> Retruncation.truncate(a, b, NEW_RANK, Split.BALANCED),
                    () -> ExactSvd.truncate(multiply(a, b), NEW_RANK, Split.BALANCED)), 3);
            Timing progressive = pair.get(0);
            Timing direct = pair.get(1);
            Factors p = (Factors) progressive.result;
            Factors d = (Factors) direct.result;
            double optimalNew = TestMatrices.optimalError(Arrays.copyOf(s, RANK), NEW_RANK);
            line("re-truncation " + shape + " " + RANK + "->" + NEW_RANK, progressive,
                    error(p.relativeError(), optimalNew) + String.format(", %.1fx faster than the full SVD of A B", direct.seconds / progressive.seconds));
            line("full SVD of A B (sgemm + exact) " + RANK + "->" + NEW_RANK, direct,
                    error(d.relativeError(), optimalNew) + String.format(", ||A'B' - direct||/||direct|| = %.1e",
                            relativeDistance(multiply(p.a(), p.b()), multiply(d.a(), d.b()))));
        }
    }

    private static String settings(RandomizedSvd.Settings s) {
        return "p=" + s.oversampling() + " q=" + s.powerIterations();
    }

    private static String error(double error, double optimal) {
        return String.format("error %.6f, optimum %.6f (%+.2f%%)", error, optimal, 100 * (error / optimal - 1));
    }

    /** ||W - A B||_F / ||W||_F by forming A B, to check the reported figure. */
    private static double directError(Matrix w, Factors f) {
        return relativeDistance(multiply(f.a(), f.b()), w);
    }

    private static double relativeDistance(Matrix x, Matrix reference) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < x.data().length; i++) {
            double d = (double) x.data()[i] - reference.data()[i];
            diff += d * d;
            norm += (double) reference.data()[i] * reference.data()[i];
        }
        return Math.sqrt(diff / norm);
    }

    private static Matrix multiply(Matrix a, Matrix b) {
        float[] c = new float[a.rows() * b.cols()];
        allThreads();
        openblas_full.cblas_sgemm(openblas_full.CblasRowMajor, openblas_full.CblasNoTrans, openblas_full.CblasNoTrans,
                a.rows(), b.cols(), a.cols(), 1f, a.data(), a.cols(), b.data(), b.cols(), 0f, c, b.cols());
        return new Matrix(a.rows(), b.cols(), c);
    }

    /**
     * W = U diag(s) V^T in float32: U, V Haar-random with orthonormal columns from LAPACK QR (sgeqrf, sorgqr) of
     * Gaussian matrices. The Java Gram-Schmidt of the tests would take minutes at these sizes.
     */
    private static Matrix withSpectrum(int rows, int cols, double[] s, long seed) {
        Lapack.implementation();
        int p = s.length;
        float[] u = orthonormal(rows, p, new Random(seed));
        float[] v = orthonormal(cols, p, new Random(seed + 1));
        for (int j = 0; j < p; j++) {
            for (int i = 0; i < cols; i++) {
                v[i + j * cols] *= (float) s[j];
            }
        }
        // column-major W^T (cols x rows) = (V S) U^T is row-major W
        float[] w = new float[rows * cols];
        allThreads();
        openblas_full.cblas_sgemm(openblas_full.CblasColMajor, openblas_full.CblasNoTrans, openblas_full.CblasTrans,
                cols, rows, p, 1f, v, cols, u, rows, 0f, w, cols);
        return new Matrix(rows, cols, w);
    }

    /** Column-major rows x cols with orthonormal columns. */
    private static float[] orthonormal(int rows, int cols, Random random) {
        float[] q = new float[rows * cols];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) random.nextGaussian();
        }
        float[] tau = new float[cols];
        allThreads();
        check(openblas_full.LAPACKE_sgeqrf(openblas_full.LAPACK_COL_MAJOR, rows, cols, q, rows, tau));
        check(openblas_full.LAPACKE_sorgqr(openblas_full.LAPACK_COL_MAJOR, rows, cols, cols, q, rows, tau));
        return q;
    }

    /** Direct OpenBLAS calls here run on every processor (Lapack switches the count for its own calls). */
    private static void allThreads() {
        openblas_full.openblas_set_num_threads(Runtime.getRuntime().availableProcessors());
    }

    private static void check(int info) {
        if (info != 0) {
            throw new IllegalStateException("LAPACK info " + info);
        }
    }

    private static void line(String what, Timing t, String detail) {
        System.out.printf("%-50s %7.3f s %-24s %s  [others %.2f cores]%n", what, t.seconds,
                t.runs.size() == 1 ? "(1x)" : t.runs.stream().map(r -> String.format("%.2f", r)).collect(Collectors.joining(" ", "(", ")")),
                detail, t.otherCores);
    }

    /** The median of the runs, the runs in order, and the CPU other processes used meanwhile. */
    private record Timing(double seconds, List<Double> runs, double otherCores, Object result) {
    }

    /**
     * Runs the works in turn, rounds times over (fewer when a round takes over 2 minutes), and returns for each the median
     * wall time, its runs, and the CPU other processes used meanwhile.
     */
    private static List<Timing> time(List<Supplier<?>> works, int rounds) {
        awaitQuiet();
        CpuSample before = CpuSample.now();
        List<List<Double>> seconds = new ArrayList<>();
        Object[] results = new Object[works.size()];
        works.forEach(w -> seconds.add(new ArrayList<>()));
        for (int round = 0; round < rounds; round++) {
            long roundStart = System.nanoTime();
            for (int i = 0; i < works.size(); i++) {
                long start = System.nanoTime();
                results[i] = works.get(i).get();
                seconds.get(i).add((System.nanoTime() - start) / 1e9);
            }
            if ((System.nanoTime() - roundStart) / 1e9 > 120) {
                break;
            }
        }
        double others = CpuSample.now().otherCoresSince(before);
        List<Timing> timings = new ArrayList<>();
        for (int i = 0; i < works.size(); i++) {
            List<Double> sorted = seconds.get(i).stream().sorted().toList();
            timings.add(new Timing(sorted.get(sorted.size() / 2), seconds.get(i), others, results[i]));
        }
        return timings;
    }

    private static void awaitQuiet() {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            CpuSample before = CpuSample.now();
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (CpuSample.now().otherCoresSince(before) < QUIET_CORES) {
                return;
            }
        }
    }

    /** Busy CPU time of the machine and of this process, from /proc (in clock ticks of 1/100 s). */
    private record CpuSample(long machineTicks, long ownTicks, long nanos) {
        static CpuSample now() {
            try {
                String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long busy = 0;
                for (int i : new int[] {1, 2, 3, 6, 7, 8}) {  // user nice system irq softirq steal (guest is in user)
                    busy += Long.parseLong(cpu[i]);
                }
                String self = Files.readString(Path.of("/proc/self/stat"));
                String[] fields = self.substring(self.lastIndexOf(')') + 2).split(" ");
                long own = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);  // utime, stime
                return new CpuSample(busy, own, System.nanoTime());
            } catch (IOException e) {
                return new CpuSample(0, 0, System.nanoTime());
            }
        }

        double otherCoresSince(CpuSample before) {
            double wall = (nanos - before.nanos) / 1e9;
            return Math.max(0, (machineTicks - before.machineTicks - (ownTicks - before.ownTicks)) / 100.0 / wall);
        }
    }
}
