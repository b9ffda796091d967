package dev.plrd.plan;

import java.util.List;

/**
 * What the operator and the stage worker ({@code plrd <stage>}) agree on: the option names of the
 * stage commands ({@link Flags}), the result path, the environment, the exit codes, and, beside
 * this class, the {@link Workspace} layout. The planner writes command lines with these names and
 * the worker CLI declares its options with them, so the two cannot drift apart.
 */
public final class WorkerContract {
    private WorkerContract() {
    }

    /** The container that runs the stage, named in the pod failure policy. */
    public static final String CONTAINER = "worker";

    /** The worker writes its {@code StageOutputs} JSON here; the kubelet keeps at most 4096 bytes. */
    public static final String RESULT_PATH = "/dev/termination-log";

    /** Environment variable holding the workspace root inside the pod. */
    public static final String WORKSPACE_ENV = "PLRD_WORKSPACE";

    /**
     * Seconds a stage pod gets between SIGTERM and SIGKILL: enough for training to save its state
     * when the pod is preempted or evicted (a node shutting down may still cut it shorter).
     */
    public static final long TERMINATION_GRACE_SECONDS = 120;

    /**
     * The credential variables a stage may get from a credentials Secret: those of the Hugging Face
     * Hub and of S3-compatible stores, as their clients name them. None of them changes how a
     * process starts (unlike JAVA_TOOL_OPTIONS, LD_PRELOAD or PYTHONPATH); keep it that way when adding.
     */
    public static final List<String> CREDENTIAL_ENV = List.of("HF_TOKEN", "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL");

    /** Where each credentials Secret is mounted read-only as files: {@code <DIR>/base}, {@code <DIR>/data}. */
    public static final String CREDENTIALS_DIR = "/var/run/plrd/credentials";

    /** Environment variable telling the worker its grace period, so it knows how long a final save may take. */
    public static final String TERMINATION_GRACE_ENV = "PLRD_TERMINATION_GRACE_SECONDS";

    /*
     * Exit codes of every stage worker. A permanent cause has its own code, listed in
     * PERMANENT_EXIT_CODES: the Job's pod failure policy fails the Job at once on those, and the
     * operator names the cause. Every other non-zero code is retried within the retry budget.
     */
    public static final int EXIT_OK = 0;
    /** An unexpected failure (a crash, a lost connection): retried within the retry budget. */
    public static final int EXIT_FAILED = 1;
    /** Bad input (missing file, unknown architecture, target too large): retrying cannot help. */
    public static final int EXIT_INVALID_INPUT = 2;
    /**
     * The JVM ran out of memory: {@code -XX:+ExitOnOutOfMemoryError} exits with 3, a code the JVM
     * fixes. Retried like any other failure (a node with more memory, or less contention, may do).
     */
    public static final int EXIT_OUT_OF_MEMORY = 3;
    /** The evaluation gate refused the member: retrying cannot help either. */
    public static final int EXIT_GATE_FAILED = 10;
    /** The model computes a non-finite loss (NaN or infinity): its weights or config are broken, and a retry computes the same. */
    public static final int EXIT_NON_FINITE = 11;

    /** The codes on which a stage fails at once, without using its retry budget. */
    public static final List<Integer> PERMANENT_EXIT_CODES = List.of(EXIT_INVALID_INPUT, EXIT_GATE_FAILED,
            EXIT_NON_FINITE);

    /**
     * A train stage on several nodes runs as a Kubeflow Trainer TrainJob (its torch-distributed runtime): every node
     * runs the same {@code plrd train ... --nodes M --nproc N}, in the runtime's container, and learns its place from
     * the environment that the Trainer's torch plugin sets for torchrun. The node of rank 0 is the rendezvous.
     */
    public static final class MultiNode {
        private MultiNode() {
        }

        /** The training container of the Trainer's runtimes; its termination message carries the result. */
        public static final String CONTAINER = "node";
        /** Nodes of the job, as the Trainer counts them (must equal --nodes). */
        public static final String NODES_ENV = "PET_NNODES";
        /** Ranks each node starts, as the Trainer counts them (must equal --nproc when a number; "auto" is left to it). */
        public static final String RANKS_PER_NODE_ENV = "PET_NPROC_PER_NODE";
        /** This node's index, 0 to nodes-1 (its pod's Job completion index). */
        public static final String NODE_RANK_ENV = "PET_NODE_RANK";
        /** Host name of node 0, where global rank 0 listens. */
        public static final String MASTER_ADDR_ENV = "PET_MASTER_ADDR";
        /** Port of the rendezvous on node 0. */
        public static final String MASTER_PORT_ENV = "PET_MASTER_PORT";
    }

    /**
     * Option names of the stage commands. The subcommand is the stage's id (StageName.id()); the
     * planner builds the arguments from these names, and the worker's picocli options are declared
     * with them.
     */
    public static final class Flags {
        private Flags() {
        }

        /** Every stage: where the result JSON goes ({@link #RESULT_PATH} in a pod), and its copy in the workspace. */
        public static final String RESULT = "--result";
        public static final String REPORT = "--report";

        /** decompose and train: the source checkpoint and the checkpoint written; publish: --to is the OCI reference. */
        public static final String FROM = "--from";
        public static final String TO = "--to";

        /** decompose: the member's size, and how it is factored. */
        public static final String TARGET_PARAMETERS = "--target-parameters";
        public static final String RANK_FRACTION = "--rank-fraction";
        public static final String METHOD = "--method";
        public static final String ALLOCATION = "--allocation";
        /** decompose: where singular values go (balanced|left|right); evaluate: which part of the data (held-out|all|train). */
        public static final String SPLIT = "--split";
        public static final String LAYERS = "--layers";

        /** train and evaluate: the data and the token budget. */
        public static final String DATA = "--data";
        public static final String TOKENS = "--tokens";
        public static final String SEED = "--seed";
        public static final String SEQUENCE_LENGTH = "--seq-len";
        public static final String MICRO_BATCH = "--micro-batch";

        /** train: the recipe, and where its resumable state lives. */
        public static final String GLOBAL_BATCH_TOKENS = "--global-batch-tokens";
        public static final String LEARNING_RATE = "--lr";
        public static final String WARMUP = "--warmup";
        public static final String CHECKPOINT_EVERY = "--checkpoint-every";
        public static final String PRECISION = "--precision";
        public static final String STATE = "--state";
        public static final String RESUME = "--resume";

        /** train and evaluate: djl (the CPU engine, in this JVM) or torch (the PyTorch worker, plrd_torch). */
        public static final String ENGINE = "--engine";
        /** train and evaluate on the torch engine: local ranks (one per GPU) this pod starts; 1 when absent. */
        public static final String NPROC = "--nproc";
        /**
         * train on the torch engine: nodes the ranks span, each starting --nproc of them; 1 when absent. With more
         * than 1, the node's rank and the rendezvous come from the launcher's environment ({@link MultiNode}).
         */
        public static final String NODES = "--nodes";

        /** evaluate and publish: the member's checkpoint; evaluate: its parent and the gate. */
        public static final String MODEL = "--model";
        public static final String PARENT = "--parent";
        public static final String PARENT_REPORT = "--parent-report";
        public static final String MAX_PERPLEXITY_RATIO = "--max-perplexity-ratio";
        /** evaluate: the member before training, so that the report shows what healing won back. */
        public static final String DECOMPOSED = "--decomposed";

        /** publish: the evaluation it annotates, the lineage, and a registry without TLS. */
        public static final String EVALUATION = "--evaluation";
        public static final String PARENT_URI = "--parent-uri";
        /** publish: the first member's decompose result, which records the commit the base resolved to. */
        public static final String BASE_REPORT = "--base-report";
        public static final String PLAIN_HTTP = "--plain-http";
    }
}
