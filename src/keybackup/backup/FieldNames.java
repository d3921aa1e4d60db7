package keybackup.backup;

import java.util.List;

/**
 * The JSON member names the signed-backup proposal adds, stable and unstable side by side
 * (protocol.md §10.1). Writers use the seed's literal unstable prefix {@code org.matrix.mscxxxx.} unless
 * asked for the stable names; readers accept the stable name, {@code org.matrix.mscxxxx.*} and
 * {@code org.matrix.msc4048.*} (the prefix of the proposal's next revisions, same meaning).
 */
public enum FieldNames {
    /** {@code org.matrix.mscxxxx.signing_public_key} and {@code org.matrix.mscxxxx.authenticated}: the default. */
    UNSTABLE("org.matrix.mscxxxx."),
    /** {@code signing_public_key} and {@code authenticated}. */
    STABLE("");

    /** The stable name of the AuthData member holding the backup signing key's public key. */
    public static final String SIGNING_PUBLIC_KEY = "signing_public_key";
    /** The stable name of the SessionData member saying whether the session is authenticated. */
    public static final String AUTHENTICATED = "authenticated";

    /** Prefixes read, in the order they are reported. */
    public static final List<String> READ_PREFIXES = List.of("", "org.matrix.mscxxxx.", "org.matrix.msc4048.");

    private final String prefix;

    FieldNames(String prefix) {
        this.prefix = prefix;
    }

    /**
     * Names the AuthData member a writer uses for the signing key.
     *
     * @return {@code signing_public_key} with this constant's prefix
     */
    public String signingPublicKey() {
        return prefix + SIGNING_PUBLIC_KEY;
    }

    /**
     * Names the SessionData member a writer uses for the authenticated flag.
     *
     * @return {@code authenticated} with this constant's prefix
     */
    public String authenticated() {
        return prefix + AUTHENTICATED;
    }

    private static final List<String> SIGNING_PUBLIC_KEY_SPELLINGS = READ_PREFIXES.stream().map(p -> p + SIGNING_PUBLIC_KEY).toList();
    private static final List<String> AUTHENTICATED_SPELLINGS = READ_PREFIXES.stream().map(p -> p + AUTHENTICATED).toList();

    /**
     * Lists every spelling of a member name that a reader accepts.
     *
     * @param name the stable name, such as {@link #SIGNING_PUBLIC_KEY} or {@link #AUTHENTICATED}
     * @return the name with each of {@link #READ_PREFIXES}, in that order; an unmodifiable list
     */
    public static List<String> spellings(String name) {
        if (name.equals(AUTHENTICATED)) return AUTHENTICATED_SPELLINGS; // read for every session: made once
        if (name.equals(SIGNING_PUBLIC_KEY)) return SIGNING_PUBLIC_KEY_SPELLINGS;
        return READ_PREFIXES.stream().map(p -> p + name).toList();
    }
}
