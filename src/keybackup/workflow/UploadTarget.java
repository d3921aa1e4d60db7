package keybackup.workflow;

import java.util.Arrays;
import java.util.Optional;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Curve25519PublicKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.KeyFormatException;
import keybackup.secrets.SecretStorageException;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.SessionSigner;

/**
 * The version an {@link Upload} writes to, settled before anything is sent: the current version, the
 * backup key its entries are encrypted to, and the signer of its entries or why there is none. Every
 * refusal of the version or of unsigned entries comes out of {@link #open}. Holds the signing key taken
 * from Secret Storage until {@link #close}.
 */
final class UploadTarget implements AutoCloseable {
    /** The current version, as the server named it. */
    final String version;
    /** {@code auth_data.public_key}: a point that can be encrypted to. */
    final Curve25519PublicKey backupKey;
    /** Signs the entries; null when they go up unsigned. */
    final SessionSigner signer;
    /** Null when the entries are signed; else why not. */
    final Upload.Unsigned unsigned;
    /** The key {@link #signer} signs with, owned here; null when unsigned. */
    private final Ed25519PrivateKey signingKey;

    private UploadTarget(String version, Curve25519PublicKey backupKey, SessionSigner signer,
                         Upload.Unsigned unsigned, Ed25519PrivateKey signingKey) {
        this.version = version;
        this.backupKey = backupKey;
        this.signer = signer;
        this.unsigned = unsigned;
        this.signingKey = signingKey;
    }

    /**
     * Reads the current version and checks that this client may write to it; finds the signing key, or
     * refuses unsigned entries if {@code options} say so. Nothing is sent to the server.
     */
    static UploadTarget open(Account account, Upload.Options options) throws StoreException, WorkflowException {
        Json.Obj info = account.currentVersion();
        String version = info.string("version");
        AuthDataTrust trust = account.trust(info);
        Curve25519PublicKey backupKey = backupKey(info);
        // Trust that rests only on the server's word for a device key (device_as_published) does not make a
        // backup key one to encrypt the user's keys to: the server could have chosen both.
        boolean trustedOnCompared = !AuthDataTrust.comparedAnchors(trust.trustedVia()).isEmpty();
        if (!trustedOnCompared && !backupKeyInSecrets(account, info)) {
            throw new WorkflowException("refusing to upload: version " + version
                    + (trust instanceof AuthDataTrust.NotTrusted
                            ? " is not trusted (" + trust.detail() + ")"
                            : " is trusted only through a device taken as the server publishes it "
                                    + "(device_as_published)")
                    + " and Secret Storage holds no matching backup key");
        }
        Ed25519PrivateKey signingKey = null;
        try {
            Upload.Unsigned unsigned = null;
            SessionSigner signer = null;
            if (trust.usableSigningKey().isEmpty()) {
                unsigned = new Upload.Unsigned(Upload.UnsignedReason.NO_USABLE_SIGNING_KEY,
                        trust.detail() == null ? "no usable signing key" : trust.detail());
            } else {
                Optional<Ed25519PrivateKey> k = account.hasSecrets() ? account.secrets().backupSigningKey()
                        : Optional.empty();
                if (k.isEmpty()) {
                    unsigned = new Upload.Unsigned(Upload.UnsignedReason.NO_KEY_IN_SECRET_STORAGE,
                            "Secret Storage holds no backup signing key");
                } else if (!k.get().publicKey().equals(trust.usableSigningKey().get().publicKey())) {
                    k.get().close();
                    unsigned = new Upload.Unsigned(Upload.UnsignedReason.NOT_THIS_VERSIONS_KEY,
                            "the signing key in Secret Storage is not this version's");
                } else {
                    signingKey = k.get();
                    signer = SessionSigner.forTrustedBackup(trust.usableSigningKey().get(), signingKey,
                            options.names());
                }
            }
            if (unsigned != null && options.unsigned() == Upload.UnsignedUploads.REFUSE) {
                throw new Upload.UnsignedRefusedException(version, unsigned);
            }
            UploadTarget target = new UploadTarget(version, backupKey, signer, unsigned, signingKey);
            signingKey = null; // the target owns it now
            return target;
        } catch (SecretStorageException e) {
            throw new WorkflowException("secret storage: " + e.getMessage());
        } finally {
            if (signingKey != null) signingKey.close();
        }
    }

    /** Closes the signing key, if there is one. */
    @Override
    public void close() {
        if (signingKey != null) signingKey.close();
    }

    /** {@code auth_data.public_key}, refused unless it is a point that can be encrypted to. */
    private static Curve25519PublicKey backupKey(Json.Obj info) throws WorkflowException {
        try {
            Json.Obj ad = info.object("auth_data");
            Curve25519PublicKey backupKey = Curve25519PublicKey.parse("auth_data.public_key",
                    ad == null ? null : ad.string("public_key"));
            // A small-order point parses (any 32 bytes do) but cannot be encrypted to; reject it here, as
            // attacker-controlled input, instead of letting the encryption throw IllegalArgumentException.
            try (BackupDecryptionKey probe = BackupDecryptionKey.generate()) {
                Arrays.fill(probe.agree(backupKey), (byte) 0);
            }
            return backupKey;
        } catch (KeyFormatException e) {
            throw new WorkflowException((e.getMessage().startsWith("auth_data.public_key") ? ""
                    : "auth_data.public_key: ") + e.getMessage());
        }
    }

    private static boolean backupKeyInSecrets(Account account, Json.Obj info) throws StoreException, WorkflowException {
        if (!account.hasSecrets()) return false;
        try (BackupDecryptionKey k = Restore.keyFromSecretStorage(account)) {
            Restore.checkKeyMatches(k, info);
            return true;
        } catch (WorkflowException e) {
            return false;
        }
    }
}
