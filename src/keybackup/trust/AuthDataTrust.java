package keybackup.trust;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import keybackup.backup.AuthData;
import keybackup.json.Json;

/**
 * The outcome of {@link TrustResolver#resolve} for one backup version's AuthData: exactly one of
 * <ul>
 *   <li>{@link Usable}: a trusted signer signed it and it names one well-formed signing key, which may be used;</li>
 *   <li>{@link TrustedWithoutKey}: a trusted signer signed it, but its signing key is absent, malformed or
 *       its spellings disagree ({@link Reason#NO_SIGNING_KEY});</li>
 *   <li>{@link NotTrusted}: no trusted signer signed it ({@link Reason#BACKUP_NOT_TRUSTED}, or
 *       {@link Reason#NO_SIGNING_KEY} when it names no usable key either).</li>
 * </ul>
 * The three are final classes with package-private constructors: only the resolver makes them, and no
 * combination of fields can contradict another (the trusted signers are non-empty exactly for the two
 * trusted outcomes; a usable key exists only in {@link Usable}). Callers decide on the type.
 */
public sealed interface AuthDataTrust permits AuthDataTrust.Usable, AuthDataTrust.TrustedWithoutKey,
        AuthDataTrust.NotTrusted {

    /** Status of one AuthData signature (protocol.md §9.7). */
    enum SignatureStatus {
        /** Valid, by a trusted signer (see {@link Via}). */
        VALID_TRUSTED,
        /** Valid, but the signer is not trusted (master key not trusted, device not verified). */
        VALID_UNTRUSTED,
        /** Present but malformed or not verifying, or under a key id that spells the master key non-canonically. */
        INVALID,
        /** The key id names no key known to be the user's (not the master key, this device, or a known device). */
        UNKNOWN_KEY;

        /**
         * Gives the word the audit report uses for this status.
         *
         * @return the constant's name in lower case, e.g. {@code valid_untrusted}
         */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Which kind of trusted signer vouched for the AuthData (the trust anchor behind it, {@link TrustAnchors}). */
    enum Via {
        /** The own master key: pinned by the user, or held in Secret Storage and equal to the published one. */
        MASTER_KEY,
        /** This device, checked with its own key. */
        THIS_DEVICE,
        /** An own device pinned with the key the user compared, or cross-signed under the trusted master key. */
        VERIFIED_DEVICE,
        /**
         * An own device whose key was taken as the server publishes it (not compared): weaker, said in every output.
         */
        DEVICE_AS_PUBLISHED;

        /**
         * Gives the word the audit report uses for this kind of signer.
         *
         * @return the constant's name in lower case, e.g. {@code device_as_published}
         */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Tells whether this trust rests on the server's word for the signer's key rather than on a key the
         * user compared (the report's {@code key_compared} is its negation).
         *
         * @return true for {@link #DEVICE_AS_PUBLISHED} only
         */
        public boolean weak() {
            return this == DEVICE_AS_PUBLISHED;
        }
    }

    /** One signature under the own user id, as found. */
    record Signature(String keyId, SignatureStatus status, String detail) {}

    /** One trusted signer: its kind and the key id it signed under. Describes; grants nothing by itself. */
    record TrustedVia(Via kind, String keyId) {}

    /**
     * Decides which of {@code trustedVia} vouch on a key the user compared: the kinds of trusted signer that are
     * not {@link Via#weak() weak}. Trust through none of them (empty result) rests only on the server's word for
     * a device key ({@link Via#DEVICE_AS_PUBLISHED}): enough to label a backup trusted, not to encrypt the user's
     * keys to it, to count it as a migrated backup, or to keep its entries authenticated. The one place that
     * rule is written; the upload, the migration plan and {@link KeySource#fromRestore} ask here.
     *
     * @param trustedVia trusted signers, as {@link #trustedVia()} or {@link TrustedBackupKey#via()} list them
     * @return each kind of compared signer once, in the order of {@code trustedVia}; empty when none (also for an
     *     empty list); unmodifiable
     */
    static List<Via> comparedAnchors(List<TrustedVia> trustedVia) {
        return trustedVia.stream().map(TrustedVia::kind).filter(v -> !v.weak()).distinct().toList();
    }

    /**
     * Names the backup version this decision is about, as the server served it.
     *
     * @return the {@code version} string of the version info, or null when it was absent or not a string
     */
    String version();

    /**
     * Gives the version info this outcome was resolved from ({@code GET /room_keys/version}): what a restore
     * of it reads, so that the trust decision and the version read cannot be two different ones.
     *
     * @return the version info as served
     */
    Json.Obj versionInfo();

    /**
     * Gives the AuthData the decision was made on, whatever the outcome. For {@link Usable} and
     * {@link TrustedWithoutKey} a trusted signer signed all of it but its {@code signatures} and
     * {@code unsigned} members; for {@link NotTrusted} its contents are only the server's claim.
     *
     * @return the AuthData as served (an empty one when {@code auth_data} was absent or not an object)
     */
    AuthData authData();

    /**
     * Lists what was found under the own user ID in the AuthData's {@code signatures}, each classified.
     * Signatures under other users are not looked at and not listed.
     *
     * @return every signature under the own user ID, in the order found; unmodifiable
     */
    List<Signature> signatures();

    /**
     * Lists the trusted signers whose signatures verified. Non-empty does not mean the signing key is usable:
     * decide on the type.
     *
     * @return the trusted signers: non-empty for {@link Usable} and {@link TrustedWithoutKey}, empty for
     *     {@link NotTrusted}; unmodifiable
     */
    List<TrustedVia> trustedVia();

    /**
     * Gives the signing key the AuthData names, for display. It is trusted only in {@link Usable}: use
     * {@link #usableSigningKey()} to verify anything.
     *
     * @return the well-formed signing key as written (trusted or not), or null when absent, malformed or
     *     conflicting
     */
    String signingPublicKey();

    /**
     * Tells why no signing key may be used, in the words of the session verdicts.
     *
     * @return null for {@link Usable}; {@link Reason#NO_SIGNING_KEY} for {@link TrustedWithoutKey}; for
     *     {@link NotTrusted}, {@link Reason#NO_SIGNING_KEY} or {@link Reason#BACKUP_NOT_TRUSTED}
     */
    Reason reason();

    /**
     * Explains the outcome for people.
     *
     * @return a one-line explanation (never key material)
     */
    String detail();

    /**
     * Gives the backup signing key when, and only when, a trusted signer vouched for it.
     *
     * @return the backup signing key: present exactly for {@link Usable}
     */
    default Optional<TrustedBackupKey> usableSigningKey() {
        return this instanceof Usable u ? Optional.of(u.key()) : Optional.empty();
    }

    /** Trusted, with a usable backup signing key. */
    final class Usable implements AuthDataTrust {
        private final Json.Obj versionInfo;
        private final AuthData authData;
        private final List<Signature> signatures;
        private final TrustedBackupKey key;

        Usable(Json.Obj versionInfo, AuthData authData, List<Signature> signatures, TrustedBackupKey key) {
            this.versionInfo = Objects.requireNonNull(versionInfo, "versionInfo");
            this.authData = Objects.requireNonNull(authData, "authData");
            this.signatures = List.copyOf(signatures);
            this.key = Objects.requireNonNull(key, "key");
        }

        /**
         * Gives the backup signing key that the trusted AuthData names.
         *
         * @return the trusted key, the same one {@link #usableSigningKey()} holds
         */
        public TrustedBackupKey key() { return key; }
        public String version() { return versionInfo.string("version"); }
        public Json.Obj versionInfo() { return versionInfo; }
        public AuthData authData() { return authData; }
        public List<Signature> signatures() { return signatures; }
        public List<TrustedVia> trustedVia() { return key.via(); }
        public String signingPublicKey() { return key.asWritten(); }
        public Reason reason() { return null; }
        public String detail() { return "signed by a trusted signer; signing key " + key.keyId() + " is usable"; }
        @Override public String toString() { return "Usable[" + key.keyId() + ", via " + key.via() + "]"; }
    }

    /** Trusted, but the AuthData names no well-formed signing key: nothing can be authenticated with it. */
    final class TrustedWithoutKey implements AuthDataTrust {
        private final Json.Obj versionInfo;
        private final AuthData authData;
        private final List<Signature> signatures;
        private final List<TrustedVia> via;
        private final String detail;

        TrustedWithoutKey(Json.Obj versionInfo, AuthData authData, List<Signature> signatures, List<TrustedVia> via,
                          String detail) {
            if (via.isEmpty()) throw new IllegalArgumentException("trusted without a trusted signer");
            this.versionInfo = Objects.requireNonNull(versionInfo, "versionInfo");
            this.authData = Objects.requireNonNull(authData, "authData");
            this.signatures = List.copyOf(signatures);
            this.via = List.copyOf(via);
            this.detail = Objects.requireNonNull(detail, "detail");
        }

        public String version() { return versionInfo.string("version"); }
        public Json.Obj versionInfo() { return versionInfo; }
        public AuthData authData() { return authData; }
        public List<Signature> signatures() { return signatures; }
        public List<TrustedVia> trustedVia() { return via; }
        public String signingPublicKey() { return null; }
        public Reason reason() { return Reason.NO_SIGNING_KEY; }
        public String detail() { return detail; }
        @Override public String toString() { return "TrustedWithoutKey[" + detail + "]"; }
    }

    /** Not signed by any trusted signer (or not a supported algorithm): its signing key counts for nothing. */
    final class NotTrusted implements AuthDataTrust {
        private final Json.Obj versionInfo;
        private final AuthData authData;
        private final List<Signature> signatures;
        private final String signingPublicKey;
        private final Reason reason;
        private final String detail;

        NotTrusted(Json.Obj versionInfo, AuthData authData, List<Signature> signatures, String signingPublicKey,
                   Reason reason, String detail) {
            if (reason != Reason.BACKUP_NOT_TRUSTED && reason != Reason.NO_SIGNING_KEY) {
                throw new IllegalArgumentException("reason " + reason);
            }
            this.versionInfo = Objects.requireNonNull(versionInfo, "versionInfo");
            this.authData = Objects.requireNonNull(authData, "authData");
            this.signatures = List.copyOf(signatures);
            this.signingPublicKey = signingPublicKey;
            this.reason = reason;
            this.detail = Objects.requireNonNull(detail, "detail");
        }

        public String version() { return versionInfo.string("version"); }
        public Json.Obj versionInfo() { return versionInfo; }
        public AuthData authData() { return authData; }
        public List<Signature> signatures() { return signatures; }
        public List<TrustedVia> trustedVia() { return List.of(); }
        public String signingPublicKey() { return signingPublicKey; }
        public Reason reason() { return reason; }
        public String detail() { return detail; }
        @Override public String toString() { return "NotTrusted[" + reason.wire() + ": " + detail + "]"; }
    }
}
