package dev.headroom.train;

import dev.headroom.attention.HeadroomException;
import dev.headroom.eval.task.CopyTask;
import dev.headroom.eval.task.GeneratorOptions;
import dev.headroom.eval.task.IdSet;
import dev.headroom.eval.task.MqarTask;
import dev.headroom.eval.task.NiahTask;
import dev.headroom.eval.task.PassKeyTask;
import dev.headroom.eval.task.Split;
import dev.headroom.eval.task.TaskCase;
import dev.headroom.eval.task.TaskGenerator;
import dev.headroom.eval.task.TaskVocabulary;
import dev.headroom.eval.task.TokenCounter;
import dev.headroom.eval.task.VariableTrackingTask;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Training and evaluation sequences made on the fly from the task generators of {@code
 * dev.headroom.eval.task}: the prompt exactly as evaluation builds it, then the answer the model
 * should give, then end-of-sequence. Text tasks are scored on their answer tokens; token MQAR
 * (Zoology's layout) on its query positions.
 */
public final class TrainingData {
    public static final String PASSKEY = PassKeyTask.NAME,
            NIAH = NiahTask.SINGLE,
            NIAH_MULTIKEY = NiahTask.MULTI_KEY,
            VT = VariableTrackingTask.NAME,
            MQAR = MqarTask.NAME,
            COPY = CopyTask.NAME;

    /** Copy sequences are dense in answers; longer ones add nothing but cost. */
    static final int COPY_MAX_LENGTH = 128, COPY_MIN_LENGTH = 16;

    /**
     * Shortest prompt the variable-tracking template fits in (its fixed text is about 110 tokens).
     */
    static final int VT_MIN_LENGTH = 160;

    /** Zoology-style MQAR: key-value pairs at the start, every key asked once later. */
    static final int MQAR_PAIRS = 16;

    /**
     * One sequence. {@code input[i]} is followed by {@code target[i]}; {@code answer[i]} marks the
     * targets that are the task's answer (scored by exact match), {@code lm[i]} those that are
     * plain language modelling.
     */
    public record Example(
            String task, int length, int[] input, int[] target, boolean[] answer, boolean[] lm) {
        public int size() {
            return input.length;
        }
    }

    private final WordTokenizer tokenizer;
    private final Map<String, TaskGenerator> generators = new LinkedHashMap<>();
    private final Split split;

    /**
     * Training MQAR with 4, 8 or 16 pairs (a third each): fewer pairs are where the look-up is
     * learnt first.
     */
    private final MqarTask[] mqarPairs;

    public TrainingData(WordTokenizer tokenizer, Split split, double fillerJitter) {
        this.tokenizer = tokenizer;
        this.split = split;
        TokenCounter counter = tokenizer::count;
        GeneratorOptions options = new GeneratorOptions(split, fillerJitter, 0);
        generators.put(PASSKEY, new PassKeyTask(counter).withOptions(options));
        generators.put(NIAH, NiahTask.single(counter).withOptions(options));
        generators.put(NIAH_MULTIKEY, NiahTask.multiKey(counter).withOptions(options));
        // Variable names from the whole pool, values from the split: a word-level model can only
        // say names it was trained to say; the values, chains and filler of a held-out case stay
        // unseen.
        generators.put(
                VT,
                new VariableTrackingTask(counter).withOptions(options).withNameSplit(Split.ANY));
        // MQAR as Zoology defines it: keys and values from one vocabulary in training and test,
        // every case a fresh
        // random association (16 of ~200 keys), so no held-out id subset: a key never trained as a
        // key is a
        // different task (can an unseen token be a key), which the copy task is there to cover.
        generators.put(MQAR, mqar(tokenizer, Split.ANY));
        mqarPairs =
                new MqarTask[] {
                    mqar(tokenizer, Split.ANY, 4),
                    mqar(tokenizer, Split.ANY, 8),
                    (MqarTask) generators.get(MQAR)
                };
        // Copies draw from every token, held-out ones included: a word-level model can only ever
        // say a word whose
        // embedding was trained, so held-out keys and names must occur somewhere, just never as
        // keys or names.
        generators.put(COPY, new CopyTask(ids(wordAndDigitIds(tokenizer)), new int[0], Split.ANY));
    }

    /** Every token but the specials, newline and the lone space mark. */
    static List<Integer> wordAndDigitIds(WordTokenizer tok) {
        List<Integer> out = new ArrayList<>();
        for (int id = 6; id < tok.vocabSize(); id++) out.add(id);
        return out;
    }

    /**
     * Keys are the words with a space mark, values the same words bare, and the noise between
     * queries is digits and punctuation, so a key occurs once before it is asked (our choice:
     * Zoology draws noise from keys and values, which makes a repeated key ambiguous for a model
     * this small). Held-out ids come from Split's hash.
     */
    static MqarTask mqar(WordTokenizer tok, Split split) {
        return mqar(tok, split, MQAR_PAIRS);
    }

    static MqarTask mqar(WordTokenizer tok, Split split, int pairs) {
        List<Integer> keys = new ArrayList<>(),
                values = new ArrayList<>(),
                noise = new ArrayList<>();
        for (String w : TaskVocabulary.allWords()) {
            if (Character.isLetter(w.charAt(0))) {
                keys.add(tok.id(WordTokenizer.SPACE + w));
                values.add(tok.id(w));
            } else {
                noise.add(tok.id(WordTokenizer.SPACE + w));
                noise.add(tok.id(w));
            }
        }
        return new MqarTask(
                ids(keys), ids(values), ids(noise), pairs, pairs, MqarTask.ZOOLOGY_POWER_A, split);
    }

    private static IdSet ids(List<Integer> list) {
        return IdSet.of(list.stream().mapToInt(Integer::intValue).toArray());
    }

    public TaskGenerator generator(String task) {
        TaskGenerator g = generators.get(task);
        if (g == null)
            throw new IllegalArgumentException(
                    "unknown task '" + task + "'; known: " + generators.keySet());
        return g;
    }

    /**
     * What the model is taught to say after a text prompt: the number(s) or names, then
     * end-of-sequence.
     */
    public static String answerText(TaskCase c) {
        return switch (c.task()) {
            case VariableTrackingTask.NAME -> " " + String.join(" ", c.answers());
            default -> " " + String.join(", ", c.answers()) + ".";
        };
    }

    /**
     * A case of {@code task} with a prompt of at most {@code length} tokens, as a training
     * sequence.
     */
    public Example example(String task, int length, double depth, int sampleIndex, long seed) {
        if (task.equals(VT)) length = Math.max(length, VT_MIN_LENGTH);
        // Copies of varied length (16 to 128 tokens, by depth): one fixed length teaches "repeat
        // the token n back",
        // not the content match the retrieval tasks need.
        if (task.equals(COPY))
            length =
                    COPY_MIN_LENGTH
                            + (int)
                                    Math.round(
                                            depth
                                                    * (Math.min(length, COPY_MAX_LENGTH)
                                                            - COPY_MIN_LENGTH));
        if (task.equals(MQAR) && split == Split.TRAIN)
            return toExample(
                    mqarPairs[(int) Math.min(2, depth * 3)].generate(
                            length, depth, sampleIndex, seed),
                    length);
        for (int attempt = 0; ; attempt++) {
            try {
                return toExample(
                        generator(task).generate(length, depth, sampleIndex, seed), length);
            } catch (IllegalArgumentException tooShort) {
                // the template's fixed text does not fit (e.g. four niah needles in 128 tokens):
                // lengthen
                if (attempt == 4) throw tooShort;
                length += length / 4;
            }
        }
    }

    public Example toExample(TaskCase c, int length) {
        if (c.isTokenLevel()) {
            int[] ids = c.promptIds();
            int n = ids.length;
            int[] target = new int[n];
            boolean[] answer = new boolean[n], lm = new boolean[n];
            java.util.Arrays.fill(target, WordTokenizer.PAD_ID);
            for (int k = 0; k < c.targetPositions().length; k++) {
                target[c.targetPositions()[k]] = c.expectedIds()[k];
                answer[c.targetPositions()[k]] = true;
            }
            return new Example(c.task(), length, ids.clone(), target, answer, lm);
        }
        int[] prompt = tokenizer.encode(c.prompt());
        int[] reply = tokenizer.encode(answerText(c));
        int[] full = new int[prompt.length + reply.length + 1];
        System.arraycopy(prompt, 0, full, 0, prompt.length);
        System.arraycopy(reply, 0, full, prompt.length, reply.length);
        full[full.length - 1] = WordTokenizer.EOS_ID;
        int n = full.length - 1;
        int[] input = java.util.Arrays.copyOf(full, n),
                target = java.util.Arrays.copyOfRange(full, 1, n + 1);
        boolean[] answer = new boolean[n], lm = new boolean[n];
        for (int i = 0; i < n; i++) {
            answer[i] = i >= prompt.length - 1;
            lm[i] = !answer[i];
        }
        return new Example(c.task(), length, input, target, answer, lm);
    }

    /**
     * The curriculum: which lengths and tasks a step trains on. After the copy bootstrap ({@link
     * #BOOTSTRAP}), prompts stay at up to {@link #SHORT_TOP} tokens until {@link
     * Shape#shortPhase()} of training (short prompts carry far more answers per unit of compute),
     * then the longest length grows geometrically to the maximum by {@link Shape#grownBy()}.
     * Lengths are log-uniform up to that top, so every octave gets about the same compute, except
     * that a {@link Shape#longShare()} of the draws comes from the top two octaves only.
     */
    public static final class Curriculum {
        static final double BOOTSTRAP = 0.12, BLENDED_BY = 0.3;
        static final int BOOTSTRAP_LENGTH = 96;
        static final int SHORT_TOP = 256;

        /**
         * When the longest length starts growing, when it reaches the maximum, and the share of
         * long-biased draws.
         */
        public record Shape(double shortPhase, double grownBy, double longShare) {
            public static final Shape DEFAULT = new Shape(0.2, 0.45, 0.5);

            /** "shortPhase,grownBy,longShare", e.g. 0.2,0.45,0.5. */
            public static Shape parse(String text) {
                String[] p = text.split(",");
                if (p.length != 3)
                    throw new HeadroomException(
                            "curriculum shape '" + text + "' is not SHORT,GROWN,LONG");
                return new Shape(
                        Double.parseDouble(p[0]),
                        Double.parseDouble(p[1]),
                        Double.parseDouble(p[2]));
            }
        }

        private final int minLength, maxLength;
        private final Map<String, Double> taskShares;
        private final Shape shape;

        public Curriculum(int minLength, int maxLength, Map<String, Double> taskShares) {
            this(minLength, maxLength, taskShares, Shape.DEFAULT);
        }

        public Curriculum(
                int minLength, int maxLength, Map<String, Double> taskShares, Shape shape) {
            this.minLength = minLength;
            this.maxLength = maxLength;
            this.taskShares = taskShares;
            this.shape = shape;
        }

        public static Map<String, Double> defaultShares() {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put(PASSKEY, 0.3);
            m.put(NIAH, 0.25);
            m.put(NIAH_MULTIKEY, 0.05);
            m.put(VT, 0.15);
            m.put(MQAR, 0.15);
            m.put(COPY, 0.15);
            return m;
        }

        /**
         * Task shares written "task=share,...", over the tasks {@link TrainingSetExport#TASKS}
         * names.
         */
        public static Map<String, Double> parseShares(String text) {
            Map<String, Double> out = new LinkedHashMap<>();
            for (String part : text.split(",")) {
                String[] kv = part.split("=");
                if (kv.length != 2
                        || !java.util.Arrays.asList(TrainingSetExport.TASKS)
                                .contains(kv[0].trim())) {
                    throw new HeadroomException(
                            "shares: '"
                                    + part
                                    + "' is not TASK=SHARE with TASK one of "
                                    + String.join(", ", TrainingSetExport.TASKS));
                }
                try {
                    double v = Double.parseDouble(kv[1].trim());
                    if (!(v > 0)) throw new NumberFormatException();
                    out.put(kv[0].trim(), v);
                } catch (NumberFormatException e) {
                    throw new HeadroomException(
                            "shares: share '"
                                    + kv[1]
                                    + "' of "
                                    + kv[0]
                                    + " is not a positive number");
                }
            }
            return out;
        }

        public Map<String, Double> taskShares() {
            return taskShares;
        }

        /** The longest prompt at this point of training (progress in [0, 1]). */
        public int top(double progress) {
            double grow =
                    Math.max(
                            0,
                            Math.min(
                                    1,
                                    (progress - shape.shortPhase())
                                            / (shape.grownBy() - shape.shortPhase())));
            double top = SHORT_TOP * Math.pow((double) maxLength / SHORT_TOP, grow);
            return (int) Math.max(minLength, Math.min(maxLength, top));
        }

        public boolean inBootstrap(double progress) {
            return progress < BOOTSTRAP && taskShares.containsKey(COPY);
        }

        public int length(Random rng, double progress) {
            if (inBootstrap(progress)) return BOOTSTRAP_LENGTH;
            double top = top(progress);
            // a longShare of the draws comes from the top two octaves only: long prompts get more
            // of the compute
            double low =
                    rng.nextDouble() < shape.longShare() ? Math.max(minLength, top / 4) : minLength;
            double u = rng.nextDouble();
            return (int) Math.round(Math.exp(Math.log(low) + u * (Math.log(top) - Math.log(low))));
        }

        /**
         * The task of one sequence. The first {@link #BOOTSTRAP} of training is plain copying only
         * (when copy is in the mix), where the induction heads that every task builds on form; then
         * the copy share falls linearly to its normal share by {@link #BLENDED_BY}, so that the
         * other tasks come in gradually.
         */
        public String task(Random rng, double progress) {
            if (inBootstrap(progress)) return COPY;
            Map<String, Double> shares = taskShares;
            if (progress < BLENDED_BY && taskShares.containsKey(COPY)) {
                double blend = (progress - BOOTSTRAP) / (BLENDED_BY - BOOTSTRAP); // 0 -> 1
                double copy = (1 - blend) + blend * taskShares.get(COPY);
                double others = 0;
                for (Map.Entry<String, Double> e : taskShares.entrySet())
                    if (!e.getKey().equals(COPY)) others += e.getValue();
                shares = new LinkedHashMap<>();
                for (Map.Entry<String, Double> e : taskShares.entrySet()) {
                    shares.put(
                            e.getKey(),
                            e.getKey().equals(COPY) ? copy : (1 - copy) * e.getValue() / others);
                }
            }
            double total = 0;
            for (double s : shares.values()) total += s;
            double u = rng.nextDouble() * total;
            for (Map.Entry<String, Double> e : shares.entrySet()) {
                u -= e.getValue();
                if (u <= 0) return e.getKey();
            }
            return taskShares.keySet().iterator().next();
        }

        /**
         * Sequences per step at this length: a fixed compute budget, where a token of a length-L
         * sequence costs about 1 + L/512 (projections plus the L x L attention).
         */
        public static int batchSize(int length, int budgetTokens) {
            double cost = length * (1.0 + length / 512.0);
            return Math.max(
                    1,
                    (int) Math.floor(budgetTokens * 3.0 / cost)); // 3 = cost factor at length 1024
        }
    }
}
