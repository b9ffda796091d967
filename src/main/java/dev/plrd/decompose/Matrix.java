package dev.plrd.decompose;

/**
 * A dense float32 matrix in row-major order. The array is shared, not copied, so a checkpoint
 * tensor [out, in] is wrapped as it is; the kernels never write into an input's array.
 */
public record Matrix(int rows, int cols, float[] data) {
    /** Square blocks for the transpose: 64 x 64 floats (16 KiB) keep both sides in L1. */
    private static final int BLOCK = 64;

    public Matrix {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("a matrix needs at least one row and one column, got " + rows + " x " + cols);
        }
        if (data == null || (long) rows * cols != data.length) {
            throw new IllegalArgumentException("a " + rows + " x " + cols + " matrix needs " + (long) rows * cols
                    + " values, got " + (data == null ? "none" : Integer.toString(data.length)));
        }
    }

    public float get(int row, int col) {
        return data[row * cols + col];
    }

    /** A new matrix holding the transpose (the layout LAPACK reads as this matrix in column-major order). */
    public Matrix transpose() {
        float[] t = new float[data.length];
        // blocked: a plain double loop strides through memory on one side and is several times slower at 14336 x 4096
        for (int i0 = 0; i0 < rows; i0 += BLOCK) {
            int i1 = Math.min(i0 + BLOCK, rows);
            for (int j0 = 0; j0 < cols; j0 += BLOCK) {
                int j1 = Math.min(j0 + BLOCK, cols);
                for (int i = i0; i < i1; i++) {
                    for (int j = j0; j < j1; j++) {
                        t[j * rows + i] = data[i * cols + j];
                    }
                }
            }
        }
        return new Matrix(cols, rows, t);
    }

    /** Sum of squares, accumulated in double. */
    public double frobeniusNormSquared() {
        double sum = 0;
        for (float v : data) {
            sum += (double) v * v;
        }
        return sum;
    }

    public int minDimension() {
        return Math.min(rows, cols);
    }

    /** "rows x cols", for messages. */
    public String shape() {
        return rows + " x " + cols;
    }

    @Override
    public String toString() {
        return "Matrix[" + shape() + "]";
    }
}
