package keybackup.backup;

/** Test access, from other packages, to the number of PBKDF2 runs of key exports in this JVM. */
public final class ExportDerivations {
    private ExportDerivations() {}

    /**
     * How many times an export's keys were derived in this JVM so far.
     *
     * @return the count; compare two readings around the code under test
     */
    public static long count() {
        return ExportKeys.derivations();
    }
}
