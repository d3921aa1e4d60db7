package keybackup.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import keybackup.backup.MegolmBackupV1;
import keybackup.backup.SessionData;
import keybackup.homeserver.AccessToken;
import keybackup.homeserver.BackupStore;
import keybackup.homeserver.BenchHomeserver;
import keybackup.homeserver.HomeserverClient;
import keybackup.internal.Bytes;
import keybackup.internal.Hkdf;
import keybackup.internal.Jca;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.json.SignedJson;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.Curve25519PublicKey;
import keybackup.trust.BackupAudit;
import keybackup.trust.KeySource;
import keybackup.trust.SessionVerifier;
import keybackup.workflow.Account;
import keybackup.workflow.Restore;
import keybackup.workflow.Uploader;

/**
 * {@code make bench}: the performance targets of the signed key backup, measured side by side in one
 * run (bare JCA primitives, then the library's pipeline). Argument: the number of keys for the
 * streaming case (default 2000; {@code BENCH_KEYS=1000000} for the 1 GB backup). Environment:
 * {@code BENCH_MIGRATE=1} also runs the migration pass on a large backup; {@code BENCH_MS} sets the
 * measuring time per primitive (default 1000 ms).
 */
public final class Bench {
    private Bench() {}

    private static final long MS = Long.parseLong(System.getenv().getOrDefault("BENCH_MS", "1000"));
    private static final List<String[]> SUMMARY = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        long n = args.length > 0 && !args[0].isBlank() ? Long.parseLong(args[0].trim()) : 2000;
        boolean migrateLarge = "1".equals(System.getenv("BENCH_MIGRATE"));
        machine();
        int poolSize = (int) Math.min(n, 1000);
        Fixture fx;
        long t0 = System.nanoTime();
        fx = new Fixture(Math.max(poolSize, 200));
        System.out.printf("fixture: signed backup version %s, %d distinct signed+encrypted sessions (%.1f s)%n%n",
                fx.version, fx.pool.size(), (System.nanoTime() - t0) / 1e9);
        try (fx) {
            Floors floors = primitivesAndPipeline(fx);
            if ("1".equals(System.getenv("BENCH_ONE_THREAD_ONLY"))) return; // sections 1 and 2 only
            twoThreads(fx);
            noNeedlessCurveWork(fx, floors);
            networkOverlap(fx, (int) Math.min(n, 4000));
            streaming(fx, n, migrateLarge || n <= 100_000);
        }
        System.out.println("\nload average at the end: " + loadAverage()
                + " (other processes on these cores slow every figure above)");
        System.out.println("\n== summary ==");
        System.out.println("| measure | value | target | status |");
        System.out.println("|---|---|---|---|");
        for (String[] r : SUMMARY) System.out.println("| " + String.join(" | ", r) + " |");
    }

    private static void summary(String measure, String value, String target, String status) {
        SUMMARY.add(new String[] {measure, value, target, status});
    }

    private static String pass(boolean ok) {
        return ok ? "PASS" : "FAIL";
    }

    private static void machine() throws Exception {
        String cpu = "?";
        Path info = Path.of("/proc/cpuinfo");
        if (Files.exists(info)) {
            cpu = Files.readAllLines(info).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        }
        System.out.println("== machine ==");
        System.out.printf("cpus: %d, cpu: %s, max heap: %s%n", Runtime.getRuntime().availableProcessors(), cpu,
                Timing.mib(Runtime.getRuntime().maxMemory()));
        System.out.printf("java: %s (%s %s)%n", System.getProperty("java.version"), System.getProperty("java.vm.name"),
                System.getProperty("java.vm.version"));
        System.out.println("load average at the start: " + loadAverage()
                + " (above ~0.5 something else is using the cores: figures will be noisy)");
        System.out.printf("keybackup.provider: %s%n", Jca.PROVIDER == null ? "(unset: JDK default order)"
                : Jca.PROVIDER);
        System.out.printf("providers used: Ed25519=%s X25519=%s AES/CBC=%s HmacSHA256=%s%n%n",
                Jca.signature("Ed25519").getProvider().getName(), Jca.keyAgreement("X25519").getProvider().getName(),
                Jca.cipher("AES/CBC/PKCS5Padding").getProvider().getName(),
                        Jca.mac("HmacSHA256").getProvider().getName());
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    record Floors(double verify, double sign, double agree, double keygen) {
        double restore() { return verify + agree; }
        double upload() { return sign + agree + keygen; }
    }

    // ---- 1 and 2: bare primitives and the library's pipeline, interleaved ----

    /**
     * Named operations measured in interleaved rounds: each round runs every operation once, back to
     * back, and records its thread CPU time. This machine's speed drifts by up to 30 % within seconds
     * (shared cores), so operations are compared only at this fine grain: an operation's figure is the
     * median of its per-run times, taken over runs that were never more than one round (about 20 ms)
     * away from the runs of the operations it is compared with.
     */
    private static final class Rounds {
        final List<String> names = new ArrayList<>();
        final List<Timing.Op> ops = new ArrayList<>();
        final List<Long> perOp = new ArrayList<>(); // how many keys one run handles
        long[][] all; // [op][round], ns per key

        void add(String name, long keys, Timing.Op op) {
            names.add(name);
            ops.add(op);
            perOp.add(keys);
        }

        /**
         * Warms every operation up for {@code warmMs}, and each one for at least {@code warmKeys} keys:
         * the JIT compiles a method fully only after thousands of calls, and the pipelines' per-key code
         * (parsing, encoding) is called once or a few times per key, so a short warm-up would time the
         * library partly interpreted while the floors' curve loops are already compiled.
         */
        void run(int rounds, long warmMs, long warmKeys) throws Exception {
            for (int i = 0; i < ops.size(); i++) {
                long end = System.nanoTime() + warmMs * 1_000_000;
                for (long keys = 0; keys < warmKeys || System.nanoTime() < end; keys += perOp.get(i)) ops.get(i).run();
            }
            all = new long[ops.size()][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < ops.size(); i++) all[i][r] = Timing.cpuNsOnce(ops.get(i)) / perOp.get(i);
            }
        }

        /** Median ns per key of {@code name} over all rounds. */
        double get(String name) {
            long[] t = all[names.indexOf(name)].clone();
            Arrays.sort(t);
            return t.length % 2 == 1 ? t[t.length / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2.0;
        }

        /** Median of {@code op} over the sum of the floor operations' medians. */
        double ratio(String op, String... floor) {
            double f = 0;
            for (String x : floor) f += get(x);
            return get(op) / f;
        }

        /** The same ratio from means over the rounds without the slowest 10 % of each operation's runs. */
        double trimmedRatio(String op, String... floor) {
            double f = 0;
            for (String x : floor) f += trimmedMean(x);
            return trimmedMean(op) / f;
        }

        private double trimmedMean(String name) {
            long[] t = all[names.indexOf(name)].clone();
            Arrays.sort(t);
            int keep = Math.max(1, t.length * 9 / 10);
            double sum = 0;
            for (int i = 0; i < keep; i++) sum += t[i];
            return sum / keep;
        }
    }

    private static Floors primitivesAndPipeline(Fixture fx) throws Exception {
        byte[] message = SignedJson.signedBytes(fx.pool.get(0).session().json()); // a real signed SessionData
        KeyPairGenerator edGen = Jca.keyPairGenerator("Ed25519");
        KeyPair ed = edGen.generateKeyPair();
        Signature signer = Jca.signature("Ed25519");
        signer.initSign(ed.getPrivate());
        signer.update(message);
        byte[] sig = signer.sign();
        Signature verifier = Jca.signature("Ed25519");
        KeyPairGenerator xGen = Jca.keyPairGenerator("X25519");
        PrivateKey xPriv = xGen.generateKeyPair().getPrivate();
        PublicKey xPub = xGen.generateKeyPair().getPublic();
        KeyAgreement ka = Jca.keyAgreement("X25519");

        Rounds m = new Rounds();
        m.add("verify", 1, () -> {
            verifier.initVerify(ed.getPublic()); // what a verification costs when its key has to be set
            verifier.update(message);
            if (!verifier.verify(sig)) throw new IllegalStateException("verify");
        });
        Signature warmVerifier = Jca.signature("Ed25519");
        warmVerifier.initVerify(ed.getPublic());
        m.add("verifyWarm", 1, () -> {
            warmVerifier.update(message); // same key as last time: verify() left it initialised
            if (!warmVerifier.verify(sig)) throw new IllegalStateException("verify");
        });
        m.add("sign", 1, () -> {
            signer.initSign(ed.getPrivate());
            signer.update(message);
            signer.sign();
        });
        m.add("agree", 1, () -> {
            ka.init(xPriv);
            ka.doPhase(xPub, true);
            ka.generateSecret();
        });
        m.add("keygen", 1, xGen::generateKeyPair);
        SessionVerifier sv = new SessionVerifier(fx.trust, fx.key);
        int[] i = {0};
        List<Fixture.Entry> pool = fx.pool;
        m.add("restore", 1, () -> {
            Fixture.Entry e = pool.get(i[0]++ % pool.size());
            SessionVerifier.Result r = sv.verify("!r:bench.example", e.sessionId(), e.data());
            if (!r.verdict().word().equals("authenticated")) throw new IllegalStateException("verdict " + r.verdict());
        });
        // upload: the real Uploader with one thread (crypto inline on this thread), kept open for the
        // whole measurement as a real upload keeps it open for a backup; its batches go to a store that
        // drops them. One run adds 10 keys.
        BenchStore drop = new BenchStore(fx.store, v -> { });
        Curve25519PublicKey backupKey = fx.key.publicKey();
        int batch = 10;
        int[] j = {0};
        int rounds = (int) Math.max(21, 300 * MS / 1000);
        try (Uploader up = new Uploader(drop, fx.version, backupKey, fx.signer, Fixture.NAMES, 1,
                Uploader.Limits.DEFAULT)) {
            m.add("upload", batch, () -> {
                for (int k = 0; k < batch; k++) up.add("!r:bench.example",
                        fx.sessions.get(j[0]++ % fx.sessions.size()), KeySource.OLM);
            });
            System.out.printf("== 1. bare JCA primitives, one thread (via keybackup.internal.Jca), interleaved with "
                    + "2.: %d rounds, each runs"
                    + " every operation once; median thread CPU time per run ==%n", rounds);
            m.run(rounds, MS / 2, 4000);
            up.finish();
        }
        Floors f = new Floors(m.get("verify"), m.get("sign"), m.get("agree"), m.get("keygen"));
        System.out.printf("Ed25519 verify (%d-byte message)  %s  (initVerify + verify, as one verification with the "
                + "JDK)%n", message.length, Timing.ms(f.verify()));
        System.out.printf("Ed25519 verify, key already set   %s  (a Signature reused for the same key: no point "
                + "decoding)%n", Timing.ms(m.get("verifyWarm")));
        System.out.printf("Ed25519 sign                      %s%n", Timing.ms(f.sign()));
        System.out.printf("X25519 agreement                  %s%n", Timing.ms(f.agree()));
        System.out.printf("X25519 key pair generation        %s%n", Timing.ms(f.keygen()));
        System.out.printf("floor_restore = verify + X25519                         = %s/key (%.0f keys/s)%n",
                Timing.ms(f.restore()), 1e9 / f.restore());
        System.out.printf("floor_upload  = sign + X25519 + ephemeral X25519 key pair = %s/key (%.0f keys/s)%n",
                Timing.ms(f.upload()), 1e9 / f.upload());
        System.out.println("  (encrypting needs a fresh ephemeral key pair, i.e. a second X25519 scalar multiplication for its public key)\n");
        summary("Ed25519 verify / sign", Timing.ms(f.verify()) + " / " + Timing.ms(f.sign()), "-", "-");
        summary("X25519 agreement / key pair", Timing.ms(f.agree()) + " / " + Timing.ms(f.keygen()), "-", "-");

        System.out.println("== 2. library pipeline, one thread (same rounds) ==");
        System.out.println("  ratio = median per key of the pipeline / sum of the floor primitives' medians, all from "
                + "the same rounds;");
        System.out.println("  beside it the same ratio from means without each operation's slowest 10 % of runs");
        double restore = m.get("restore");
        double restoreRatio = m.ratio("restore", "verify", "agree");
        double strictRatio = m.ratio("restore", "verifyWarm", "agree");
        System.out.printf("restore: SessionVerifier.verify   %s/key; %.3f x floor_restore (trimmed means: %.3f)  %s "
                + "(target <= 1.05)%n",
                Timing.ms(restore), restoreRatio, m.trimmedRatio("restore", "verify", "agree"),
                        pass(restoreRatio <= 1.05));
        System.out.printf("         against the warm-key floor (verify without initVerify + X25519 = %s): %.3f x "
                + "(trimmed means: %.3f)%n",
                Timing.ms(m.get("verifyWarm") + f.agree()), strictRatio,
                        m.trimmedRatio("restore", "verifyWarm", "agree"));
        double upload = m.get("upload");
        double uploadRatio = m.ratio("upload", "sign", "agree", "keygen");
        System.out.printf("upload:  Uploader (1 thread)      %s/key; %.3f x floor_upload  (trimmed means: %.3f)  %s "
                + "(target <= 1.05)%n",
                Timing.ms(upload), uploadRatio, m.trimmedRatio("upload", "sign", "agree", "keygen"),
                        pass(uploadRatio <= 1.05));
        summary("restore per key, 1 thread", String.format("%s (%.3f x floor %s)", Timing.ms(restore), restoreRatio,
                Timing.ms(f.restore())), "<= 1.05 x floor", pass(restoreRatio <= 1.05));
        summary("restore per key, 1 thread, warm-key floor", String.format("%.3f x floor %s", strictRatio,
                Timing.ms(m.get("verifyWarm") + f.agree())), "(reported)", "-");
        summary("upload per key, 1 thread", String.format("%s (%.3f x floor %s)", Timing.ms(upload), uploadRatio,
                Timing.ms(f.upload())), "<= 1.05 x floor", pass(uploadRatio <= 1.05));
        profileShares(m, fx);
        breakdown(fx);
        return f;
    }

    /** The same one-thread pipelines under JFR: the share of CPU samples outside the JDK's curve code. */
    private static void profileShares(Rounds m, Fixture fx) throws Exception {
        Profile.Share restore = Profile.of(m.ops.get(m.names.indexOf("restore")), 4 * MS, "SessionVerifier");
        Profile.Share upload;
        int[] j = {0};
        try (Uploader up = new Uploader(new BenchStore(fx.store, v -> { }), fx.version, fx.key.publicKey(), fx.signer,
                Fixture.NAMES, 1, Uploader.Limits.DEFAULT)) {
            upload = Profile.of(() -> {
                for (int k = 0; k < 10; k++) up.add("!r:bench.example", fx.sessions.get(j[0]++ % fx.sessions.size()),
                        KeySource.OLM);
            }, 4 * MS, "Uploader");
            up.finish();
        }
        System.out.println("  by profile (JFR samples of the pipeline's thread; library work = samples outside the "
                + "JDK's curve code; a cross-check");
        System.out.println("  that load from other processes cannot skew, but the curve work it compares with is the "
                + "pipeline's own, which");
        System.out.println("  skips the key decoding the floor's verify pays, so it corresponds to the warm-key "
                + "ratio, not to the target):");
        System.out.printf("restore: %d samples, %d in curve code: library work = %.1f %% over the curve work%n",
                restore.samples(), restore.curve(), 100 * restore.overhead());
        System.out.printf("upload:  %d samples, %d in curve code: library work = %.1f %% over the curve work%n",
                upload.samples(), upload.curve(), 100 * upload.overhead());
        if (System.getenv("BENCH_PROFILE_DETAIL") != null) {
            Map<String, Integer> byClass = new TreeMap<>();
            restore.rest().forEach((k, v) -> byClass.merge(k.substring(k.lastIndexOf("<- ")
                    + 3).replaceAll("\\.[^.]*$", ""), v, Integer::sum));
            byClass.entrySet().stream().sorted((x, y) -> y.getValue() - x.getValue()).limit(25)
                    .forEach(x -> System.out.printf("    %5d  %s%n", x.getValue(), x.getKey()));
        }
        summary("restore, 1 thread, by profile", String.format("library work %.1f %% over the curve work (%d samples)",
                100 * restore.overhead(), restore.samples()),
                "(reported)", "-");
        summary("upload, 1 thread, by profile", String.format("library work %.1f %% over the curve work (%d samples)",
                100 * upload.overhead(), upload.samples()),
                "(reported)", "-");
    }

    /** Per-step costs of one restore, to see where time over the floor goes. */
    private static void breakdown(Fixture fx) throws Exception {
        Fixture.Entry e = fx.pool.get(0);
        Json.Obj sd = e.data().object("session_data");
        String ct = sd.string("ciphertext");
        byte[] ctBytes = Base64Unpadded.decode("ct", ct);
        byte[] shared = fx.key.agree(Curve25519PublicKey.parse("e", sd.string("ephemeral")));
        byte[] okm = Hkdf.sha256(shared, Hkdf.ZERO_SALT, new byte[0], 80);
        Json.Obj plain = e.session().json();
        byte[] plainBytes = CanonicalJson.encode(plain);
        byte[] x509 = Curve25519PublicKey.parse("e", sd.string("ephemeral")).bytes();
        byte[] der = new byte[44];
        System.arraycopy(Bytes.fromHex("302a300506032b656e032100"), 0, der, 0, 12);
        System.arraycopy(x509, 0, der, 12, 32);
        long ms = MS / 3;
        System.out.println("  restore steps, one key (ms):");
        step("base64 decode ciphertext", Timing.nsPerOp(() -> Base64Unpadded.decode("ct", ct), ms / 2, ms));
        step("X25519 public key decode (KeyFactory)", Timing.nsPerOp(() ->
                Jca.keyFactory("X25519").generatePublic(new X509EncodedKeySpec(der)), ms / 2, ms));
        step("BackupDecryptionKey.agree (incl. decode)", Timing.nsPerOp(() ->
                fx.key.agree(Curve25519PublicKey.parse("e", sd.string("ephemeral"))), ms / 2, ms));
        step("HKDF-SHA-256 (80 bytes)", Timing.nsPerOp(() -> Hkdf.sha256(shared, Hkdf.ZERO_SALT, new byte[0], 80),
                ms / 2, ms));
        step("AES-256-CBC decrypt (getInstance+init+doFinal)", Timing.nsPerOp(() -> {
            Cipher c = Jca.cipher("AES/CBC/PKCS5Padding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(okm, 0, 32, "AES"), new IvParameterSpec(okm, 64, 16));
            c.doFinal(ctBytes);
        }, ms / 2, ms));
        step("JSON parse of the plaintext", Timing.nsPerOp(() -> JsonReader.parse(plainBytes), ms / 2, ms));
        step("SessionData.from", Timing.nsPerOp(() -> SessionData.from(plain), ms / 2, ms));
        step("canonical encode of signed bytes", Timing.nsPerOp(() -> SignedJson.signedBytes(plain), ms / 2, ms));
        step("MegolmBackupV1.decrypt (all of the above but signature)",
                Timing.nsPerOp(() -> MegolmBackupV1.decrypt(sd, fx.key), ms / 2, ms));
        step("Ed25519PublicKey.verify (library)", Timing.nsPerOp(() ->
                fx.trust.usableSigningKey().get().publicKey().verify(plainBytes, new byte[64]), ms / 2, ms));
        System.out.println();
    }

    private static void step(String name, double ns) {
        System.out.printf("    %-58s %8.4f%n", name, ns / 1e6);
    }

    /** Per-key wall time of Uploader with {@code threads}, uploads dropped; best of 3 after a warm-up. */
    /** Wall time per key of one Uploader run with {@code threads} over {@code keys} keys, uploads dropped. */
    private static double uploadPerKey(Fixture fx, int threads, int keys) throws Exception {
        BenchStore drop = new BenchStore(fx.store, v -> { });
        long start = System.nanoTime();
        try (Uploader up = new Uploader(drop, fx.version, fx.key.publicKey(), fx.signer, Fixture.NAMES, threads,
                Uploader.Limits.DEFAULT)) {
            for (int k = 0; k < keys; k++) {
                up.add("!r" + (k / fx.sessions.size()) + ":bench.example", fx.sessions.get(k % fx.sessions.size()),
                        KeySource.OLM);
            }
            up.finish();
        }
        return (System.nanoTime() - start) / (double) keys;
    }

    // ---- 3. two threads ----

    private static BenchStore memoryBackup(Fixture fx, long keys) {
        List<Fixture.Entry> pool = fx.pool;
        return new BenchStore(fx.store, visitor -> {
            for (long k = 0; k < keys; k++) {
                Fixture.Entry e = pool.get((int) (k % pool.size()));
                visitor.visit("!r" + (k / pool.size()) + ":bench.example", e.sessionId(), e.data());
            }
        });
    }

    /** Wall time per key of one {@code Restore.run} with {@code threads}. */
    private static double restoreOnce(Fixture fx, BackupStore store, int threads, long keys,
            boolean trusted) throws Exception {
        Account account = new Account(store, null, null, null, Map.of());
        long start = System.nanoTime();
        BackupAudit audit = Restore.run(account, trusted ? fx.trust : fx.untrusted, fx.key,
                Restore.Options.DEFAULT.withThreads(threads), null);
        double per = (System.nanoTime() - start) / (double) keys;
        if (audit.total() != keys || audit.rejected() != 0) {
            throw new IllegalStateException("restore: " + audit.total() + " keys, " + audit.rejected() + " rejected");
        }
        return per;
    }

    /**
     * One-thread and two-thread runs alternate in pairs (one thread, then two, on the same keys), and
     * the speed-up is the median over the pairs of the ratio within a pair: the machine's speed drifts
     * over seconds, and a pair's two runs see the same machine.
     */
    private static void twoThreads(Fixture fx) throws Exception {
        int pairs = 11;
        long keys = Math.max(200, fx.pool.size());
        System.out.printf("== 3. two threads (in-memory backup): %d alternating pairs of runs of %d keys, after one "
                + "warm-up pair ==%n", pairs, keys);
        BenchStore mem = memoryBackup(fx, keys);
        double[] restore = new double[pairs];
        double[] upload = new double[pairs];
        double[] r1 = new double[pairs];
        double[] r2 = new double[pairs];
        double[] u1 = new double[pairs];
        double[] u2 = new double[pairs];
        for (int p = -1; p < pairs; p++) {
            double a1 = restoreOnce(fx, mem, 1, keys, true);
            double a2 = restoreOnce(fx, mem, 2, keys, true);
            double b1 = uploadPerKey(fx, 1, (int) keys);
            double b2 = uploadPerKey(fx, 2, (int) keys);
            if (p < 0) continue; // warm-up pair
            r1[p] = a1;
            r2[p] = a2;
            u1[p] = b1;
            u2[p] = b2;
            restore[p] = a1 / a2;
            upload[p] = b1 / b2;
        }
        double rs = median(restore);
        double us = median(upload);
        System.out.printf("Restore.run   1 thread %.0f keys/s, 2 threads %.0f keys/s (medians); per-pair speed-ups "
                + "%s: median %.2fx  %s (target >= 1.8x)%n",
                1e9 / median(r1), 1e9 / median(r2), spread(restore), rs, pass(rs >= 1.8));
        System.out.printf("Uploader      1 thread %.0f keys/s, 2 threads %.0f keys/s (medians); per-pair speed-ups "
                + "%s: median %.2fx  %s (target >= 1.8x)%n%n",
                1e9 / median(u1), 1e9 / median(u2), spread(upload), us, pass(us >= 1.8));
        summary("restore, 2 threads vs 1", String.format("%.2fx (median of %d pairs; %.0f vs %.0f keys/s)", rs, pairs,
                1e9 / median(r2), 1e9 / median(r1)), ">= 1.8x", pass(rs >= 1.8));
        summary("upload, 2 threads vs 1", String.format("%.2fx (median of %d pairs; %.0f vs %.0f keys/s)", us, pairs,
                1e9 / median(u2), 1e9 / median(u1)), ">= 1.8x", pass(us >= 1.8));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String spread(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format("%.2f-%.2f", s[0], s[s.length - 1]);
    }

    // ---- 4. no needless curve work ----

    private static void noNeedlessCurveWork(Fixture fx, Floors f) throws Exception {
        System.out.println("== 4. no needless curve work: AuthData without a usable signing key ==");
        SessionVerifier verifier = new SessionVerifier(fx.untrusted, fx.key);
        int[] i = {0};
        double t = Timing.nsPerOp(() -> {
            Fixture.Entry e = fx.pool.get(i[0]++ % fx.pool.size());
            SessionVerifier.Result r = verifier.verify("!r:bench.example", e.sessionId(), e.data());
            if (!r.verdict().word().equals("unauthenticated")) {
                throw new IllegalStateException("verdict " + r.verdict());
            }
        }, MS / 2, MS);
        boolean ok = t < f.agree() + 0.5 * f.verify();
        System.out.printf("restore per key, no usable signing key: %s (X25519 alone %s, with a verify it would be "
                + "~%s)  %s%n%n",
                Timing.ms(t), Timing.ms(f.agree()), Timing.ms(f.restore()), pass(ok));
        summary("restore per key, no usable signing key", String.format("%s (X25519 %s)", Timing.ms(t),
                Timing.ms(f.agree())), "~X25519 only, no verify", pass(ok));
    }

    // ---- 5. network overlap ----

    private static void networkOverlap(Fixture fx, int keys) throws Exception {
        System.out.printf("== 5. upload of %d keys to the test homeserver on loopback, 2 threads (best of 2 runs "
                + "each) ==%n", keys);
        String token = "syt_bench_token";
        try (BenchHomeserver hs = BenchHomeserver.start(Fixture.USER, token)) {
            HomeserverClient client = HomeserverClient.connect(hs.uri(), Fixture.USER, AccessToken.of(token));
            BenchStore drop = new BenchStore(fx.store, v -> { });
            long[] local = null;
            long[] http = null;
            for (int round = 0; round < 2; round++) {
                long[] a = uploadRun(fx, drop, fx.version, keys);
                if (local == null || a[0] < local[0]) local = a;
                long[] b = uploadRun(fx, client, client.createVersion(MegolmBackupV1.ALGORITHM,
                        fx.info.object("auth_data")), keys);
                if (b[3] != keys) throw new IllegalStateException("server count " + b[3] + " for " + keys);
                if (http == null || b[0] < http[0]) http = b;
            }
            double ratio = http[0] / (http[1] / 2.0);
            double vsLocal = http[0] / (double) local[0];
            System.out.printf("batches dropped by the store: wall %.2f s, process CPU %.2f s%n", local[0] / 1e9,
                    local[1] / 1e9);
            System.out.printf("PUT to the homeserver:        wall %.2f s, process CPU %.2f s (server included), %d batches%n", http[0] / 1e9, http[1] / 1e9, http[2]);
            System.out.printf("wall / (process CPU / 2 cores) = %.2f  %s (target <= 1.15); wall vs no network: "
                    + "%.2fx%n%n", ratio, pass(ratio <= 1.15), vsLocal);
            summary("upload over loopback HTTP, 2 threads",
                    String.format("wall/(CPU/2) = %.2f; %.2fx the no-network wall time", ratio, vsLocal), "<= 1.15",
                    pass(ratio <= 1.15));
        }
    }

    /** One upload of {@code keys} sessions with 2 threads: {wall ns, process CPU ns, batches, server count}. */
    private static long[] uploadRun(Fixture fx, BackupStore store, String version, int keys) throws Exception {
        long cpu0 = Timing.processCpuNs();
        long start = System.nanoTime();
        Uploader.Result r;
        try (Uploader up = new Uploader(store, version, fx.key.publicKey(), fx.signer, Fixture.NAMES, 2,
                Uploader.Limits.DEFAULT)) {
            for (int k = 0; k < keys; k++) {
                up.add("!r" + (k / fx.sessions.size()) + ":bench.example", fx.sessions.get(k % fx.sessions.size()),
                        KeySource.OLM);
            }
            r = up.finish();
        }
        return new long[] {System.nanoTime() - start, Timing.processCpuNs() - cpu0, r.batches(), r.serverCount()};
    }

    // ---- 6. streaming ----

    private static void streaming(Fixture fx, long keys, boolean migrate) throws Exception {
        System.out.printf("== 6. streaming: GET /room_keys/keys of %d keys from a generator server over loopback, 2 "
                + "threads ==%n", keys);
        try (GeneratorServer gen = new GeneratorServer(fx.pool.subList(0, (int) Math.min(keys, fx.pool.size())),
                keys)) {
            System.out.printf("response body: about %s%n", Timing.mib(gen.bodyBytes()));
            HomeserverClient client = HomeserverClient.connect(gen.uri(), Fixture.USER, AccessToken.of("syt_bench"));
            BenchStore store = new BenchStore(fx.store, client);
            Account account = new Account(store, null, null, null, Map.of());
            System.gc();
            Timing.resetHeapPeaks();
            long cpu0 = Timing.processCpuNs();
            long start = System.nanoTime();
            BackupAudit audit;
            long sampled;
            Timing.HeapSampler heap = new Timing.HeapSampler();
            try {
                audit = Restore.run(account, fx.trust, fx.key,
                        Restore.Options.DEFAULT.withProgress(done -> {
                            if (done % 100_000 == 0) System.out.printf("  %d keys restored (%.0f s)%n", done,
                                    (System.nanoTime() - start) / 1e9);
                        }), null);
            } finally {
                sampled = heap.stop();
            }
            double wall = (System.nanoTime() - start) / 1e9;
            double cpu = (Timing.processCpuNs() - cpu0) / 1e9;
            long peak = Timing.heapPeakSum();
            if (audit.total() != keys || audit.authenticated() != keys) {
                throw new IllegalStateException("restore: " + audit.total() + " keys, " + audit.authenticated()
                        + " authenticated");
            }
            System.out.printf("restore: %d keys, all authenticated, in %.1f s (%.0f keys/s, CPU %.1f s); heap in use "
                    + "at most %s (sampled), "
                    + "pool peaks sum %s, max heap %s%n", keys, wall, keys / wall, cpu, Timing.mib(sampled),
                    Timing.mib(peak),
                    Timing.mib(Runtime.getRuntime().maxMemory()));
            summary(String.format("streaming restore of %d keys (%s body)", keys, Timing.mib(gen.bodyBytes())),
                    String.format("%.1f s, %.0f keys/s, heap <= %s", wall, keys / wall, Timing.mib(sampled)),
                            "runs with -Xmx256m", "PASS");
            if (!migrate) {
                System.out.println("migration pass skipped (BENCH_MIGRATE=1 runs it on a large backup)");
                return;
            }
            System.gc();
            Timing.resetHeapPeaks();
            long start2 = System.nanoTime();
            Uploader.Result up;
            heap = new Timing.HeapSampler();
            try (Uploader uploader = new Uploader(store, fx.version, fx.key.publicKey(), fx.signer, Fixture.NAMES, 2, Uploader.Limits.DEFAULT)) {
                Restore.run(account, fx.trust, fx.key, Restore.Options.DEFAULT, r -> uploader.add(r.roomId(),
                        r.sessionData(), KeySource.fromRestore(r.verdict())));
                up = uploader.finish();
            } finally {
                sampled = heap.stop();
            }
            wall = (System.nanoTime() - start2) / 1e9;
            if (up.sessions() != keys) throw new IllegalStateException("migration pass uploaded " + up.sessions());
            System.out.printf("migration pass (stream, verify, re-sign, re-encrypt, PUT %d batches, %s sent): %.1f s "
                    + "(%.0f keys/s); heap in use at most %s%n%n",
                    up.batches(), Timing.mib(gen.bytesReceived.get()), wall, keys / wall, Timing.mib(sampled));
            summary(String.format("migration pass of %d keys", keys),
                    String.format("%.1f s, %.0f keys/s, heap <= %s", wall, keys / wall, Timing.mib(sampled)),
                    "runs with -Xmx256m", "PASS");
        }
    }

    static {
        Locale.setDefault(Locale.ROOT);
    }
}
