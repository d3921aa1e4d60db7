package keybackup.trust;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import keybackup.backup.AuthData;

/**
 * The outcome of {@link TrustResolver#resolve}: whether a backup version's AuthData is trusted, every
 * signature under the own user id with its status, and the backup signing key if it is usable.
 */
public final class AuthDataTrust {
    /** Status of one AuthData signature (digest 06 §6.5). */
    public enum SignatureStatus {
        /** Valid, by the trusted master key, this device, or a verified own device. */
        VALID_TRUSTED,
        /** Valid, but the signer is not trusted (master key not verified, device not verified). */
        VALID_UNTRUSTED,
        /** Present but malformed or not verifying. */
        INVALID,
        /** The key id names no key known to be the user's (not the master key, this device, or a known device). */
        UNKNOWN_KEY;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Which kind of trusted signer vouched for the AuthData. */
    public enum Via {
        MASTER_KEY, THIS_DEVICE, VERIFIED_DEVICE;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public record Signature(String keyId, SignatureStatus status, String detail) {}

    public record TrustedVia(Via kind, String keyId) {}

    private final String version;
    private final AuthData authData;
    private final boolean trusted;
    private final List<TrustedVia> trustedVia;
    private final List<Signature> signatures;
    private final String signingPublicKey;
    private final TrustedBackupKey signingKey;
    private final Reason reason;
    private final String detail;

    AuthDataTrust(String version, AuthData authData, boolean trusted, List<TrustedVia> trustedVia,
                  List<Signature> signatures, String signingPublicKey, TrustedBackupKey signingKey,
                  Reason reason, String detail) {
        this.version = version;
        this.authData = authData;
        this.trusted = trusted;
        this.trustedVia = List.copyOf(trustedVia);
        this.signatures = List.copyOf(signatures);
        this.signingPublicKey = signingPublicKey;
        this.signingKey = signingKey;
        this.reason = reason;
        this.detail = detail;
    }

    /** The backup version, or null when not known. */
    public String version() {
        return version;
    }

    public AuthData authData() {
        return authData;
    }

    /** True when a valid signature by a trusted signer covers the AuthData. */
    public boolean trusted() {
        return trusted;
    }

    public List<TrustedVia> trustedVia() {
        return trustedVia;
    }

    /** Every signature under the own user id, in the order found. */
    public List<Signature> signatures() {
        return signatures;
    }

    /** The well-formed signing key as written (trusted or not), or null when absent, malformed or conflicting. */
    public String signingPublicKey() {
        return signingPublicKey;
    }

    /** The backup signing key, present only when the AuthData is trusted and names a well-formed key. */
    public Optional<TrustedBackupKey> usableSigningKey() {
        return Optional.ofNullable(signingKey);
    }

    /** Null when the signing key is usable; else {@link Reason#NO_SIGNING_KEY} or {@link Reason#BACKUP_NOT_TRUSTED}. */
    public Reason reason() {
        return reason;
    }

    /** Why the signing key is not usable (null when it is). */
    public String detail() {
        return detail;
    }
}
