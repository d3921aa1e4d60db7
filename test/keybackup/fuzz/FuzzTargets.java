package keybackup.fuzz;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Every fuzz target, by the name of its corpus directory ({@code test/fuzz-corpus/<name>/}). {@code make fuzz}
 * runs each class with Jazzer (its {@code fuzzerTestOneInput(byte[])}); {@link FuzzCorpusTest} replays the
 * saved corpus with JUnit alone. A target catches the exceptions its API documents; anything else escapes and
 * is a finding.
 */
public final class FuzzTargets {
    private FuzzTargets() {}

    /** Corpus directory name → target. */
    public static final Map<String, Consumer<byte[]>> ALL = targets();

    /** Corpus directory name → the class {@code make fuzz} hands to Jazzer. */
    public static final Map<String, Class<?>> CLASSES = classes();

    private static Map<String, Class<?>> classes() {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        m.put("json", JsonFuzz.class);
        m.put("base64", Base64Fuzz.class);
        m.put("recovery-key", RecoveryKeyFuzz.class);
        m.put("session-data", SessionDataFuzz.class);
        m.put("decrypt", DecryptFuzz.class);
        m.put("key-stream", KeyStreamFuzz.class);
        m.put("version-info", VersionInfoFuzz.class);
        m.put("local-store", LocalStoreFuzz.class);
        m.put("secret-storage", SecretStorageFuzz.class);
        m.put("key-export", KeyExportFuzz.class);
        return m;
    }

    private static Map<String, Consumer<byte[]>> targets() {
        Map<String, Consumer<byte[]>> m = new LinkedHashMap<>();
        m.put("json", JsonFuzz::fuzzerTestOneInput);
        m.put("base64", Base64Fuzz::fuzzerTestOneInput);
        m.put("recovery-key", RecoveryKeyFuzz::fuzzerTestOneInput);
        m.put("session-data", SessionDataFuzz::fuzzerTestOneInput);
        m.put("decrypt", DecryptFuzz::fuzzerTestOneInput);
        m.put("key-stream", KeyStreamFuzz::fuzzerTestOneInput);
        m.put("version-info", VersionInfoFuzz::fuzzerTestOneInput);
        m.put("local-store", LocalStoreFuzz::fuzzerTestOneInput);
        m.put("secret-storage", SecretStorageFuzz::fuzzerTestOneInput);
        m.put("key-export", KeyExportFuzz::fuzzerTestOneInput);
        return m;
    }

    /** Prints "name class" per line, for the Makefile's fuzz loop. */
    public static void main(String[] args) {
        CLASSES.forEach((name, c) -> System.out.println(name + " " + c.getName()));
    }
}
