package keybackup.workflow;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Optional;
import java.util.function.Consumer;
import keybackup.backup.AuthData;
import keybackup.backup.FieldNames;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageException;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.BackupAudit;
import keybackup.trust.KeySource;
import keybackup.trust.SessionSigner;
import keybackup.trust.SessionVerdict;
import keybackup.trust.TrustedBackupKey;

/**
 * Moves every key of an old (unsigned or differently signed) backup version into a new signed version
 * (digest 07 §7.4). Lossless above all:
 * <ol>
 *   <li>read and decrypt the whole old version first (a wrong key stops here, before anything is created);</li>
 *   <li>generate the backup signing key, store it in Secret Storage, then create the new version (same
 *       backup key, so {@code m.megolm_backup.v1} is never overwritten), recording each step in the checkpoint;</li>
 *   <li>re-upload every session that is not {@code rejected}, with the {@code authenticated} flag its old
 *       verdict allows (only an {@code authenticated} entry of a trusted signed backup stays authenticated);</li>
 *   <li>if the old version changed meanwhile (its etag moved), upload it again: the server's replacement
 *       rule makes a repeated upload harmless;</li>
 *   <li>read the new version back: every migrated session must be there, decrypt, verify, and keep its
 *       key material, and none may be rejected;</li>
 *   <li>only then, and only if asked and the old version had no undecryptable entry, delete the old version.</li>
 * </ol>
 * A crash at any point leaves the old version intact; {@code resume} continues from the checkpoint into
 * the same new version.
 */
public final class Migrate {
    private Migrate() {}

    public record Options(String fromVersion, Path checkpoint, boolean resume, boolean deleteOld, int threads,
                          FieldNames names, Uploader.Limits limits) {}

    public record Result(String oldVersion, String newVersion, long oldSessions, long oldRejected, long migrated,
                         long newSessions, long newAuthenticated, boolean verified, boolean oldDeleted, String note) {}

    public static Result run(Account account, Options o, Consumer<String> log) throws Exception {
        Checkpoint cp = null;
        if (o.resume()) {
            if (!Files.exists(o.checkpoint())) throw new WorkflowException("no checkpoint at " + o.checkpoint() + " to resume from");
            cp = Checkpoint.load(o.checkpoint());
        } else if (Files.exists(o.checkpoint())) {
            throw new WorkflowException("a migration checkpoint exists at " + o.checkpoint() + ": resume it, or remove it if that migration is abandoned");
        }
        String oldVersion = cp != null ? cp.oldVersion() : o.fromVersion() != null ? o.fromVersion() : account.currentVersion().string("version");
        Json.Obj oldInfo = account.store().version(oldVersion);
        AuthDataTrust oldTrust = account.trust(oldInfo);
        try (BackupDecryptionKey key = Restore.keyFromSecretStorage(account)) {
            Restore.checkKeyMatches(key, oldInfo);

            // 1. Read everything once before changing anything.
            if (cp == null) {
                BackupAudit pre = Restore.run(account, oldInfo, oldTrust, key, o.threads(), false, null, null);
                log.accept("old version " + oldVersion + ": " + pre.total() + " sessions read, " + pre.rejected() + " undecryptable");
            }

            // 2. Signing key into Secret Storage, then the new version.
            Ed25519PrivateKey signingKey;
            Optional<Json.Obj> oldSigningSecret = Optional.empty();
            boolean freshRun = cp == null;
            if (cp == null) {
                Enable.requireSigner(account); // before anything is written
                oldSigningSecret = account.secrets().saved(SecretStorage.BACKUP_SIGNING_KEY);
                signingKey = Ed25519PrivateKey.generate();
                account.secrets().storeBackupSigningKey(signingKey);
                cp = new Checkpoint(oldVersion, null, signingKey.publicKey().toBase64(), Checkpoint.SIGNING_KEY_STORED);
                cp.save(o.checkpoint());
            } else {
                signingKey = account.secrets().backupSigningKey()
                        .orElseThrow(() -> new WorkflowException("Secret Storage lost the backup signing key of the checkpoint"));
                if (!signingKey.publicKey().toBase64().equals(cp.signingPublicKey())) {
                    signingKey.close();
                    throw new WorkflowException("the backup signing key in Secret Storage is not the checkpoint's; another client changed it");
                }
            }
            try (signingKey) {
                if (cp.newVersion() == null) {
                    String v;
                    try {
                        String adopted = adoptCreatedVersion(account, cp, oldVersion);
                        v = adopted != null ? adopted : Enable.createSignedVersion(account, key.publicKey(), signingKey, o.names()).version();
                    } catch (StoreException | WorkflowException e) {
                        // A failed POST may still have created the version (a timeout after the server
                        // acted, then a retry): look before undoing anything.
                        String late;
                        try {
                            late = adoptCreatedVersion(account, cp, oldVersion);
                        } catch (StoreException unreachable) {
                            e.addSuppressed(unreachable);
                            late = null;
                        }
                        if (late == null && freshRun && definitelyNotCreated(e)) {
                            // No new version: the old one stays current, so give it back its signing key.
                            try {
                                account.secrets().restore(SecretStorage.BACKUP_SIGNING_KEY, oldSigningSecret);
                                Files.deleteIfExists(o.checkpoint());
                            } catch (StoreException | java.io.IOException undo) {
                                e.addSuppressed(undo);
                            }
                            throw e;
                        }
                        if (late == null) {
                            throw new WorkflowException("could not create the new version (" + e.getMessage() + "); the checkpoint "
                                    + o.checkpoint() + " is kept: run migrate --resume once the server answers again", e);
                        }
                        v = late;
                    }
                    cp = cp.withNewVersion(v);
                    cp.save(o.checkpoint());
                    log.accept("new signed version " + v + " created");
                }
                Json.Obj newInfo = account.store().version(cp.newVersion());
                AuthDataTrust newTrust = account.trust(newInfo);
                TrustedBackupKey trusted = newTrust.usableSigningKey().orElseThrow(() -> new WorkflowException(
                        "the new version's AuthData is not trusted by this account's anchors (" + newTrust.detail() + "); nothing was deleted"));
                SessionSigner signer = SessionSigner.forTrustedBackup(trusted, signingKey, o.names());

                // 3–4. Upload, and again if the old version changed meanwhile.
                Pass pass;
                String etagBefore;
                int round = 0;
                do {
                    etagBefore = account.store().version(oldVersion).string("etag");
                    try {
                        pass = upload(account, oldInfo, oldTrust, key, cp.newVersion(), signer, o);
                    } catch (keybackup.homeserver.MatrixException e) {
                        if (!keybackup.homeserver.MatrixException.WRONG_ROOM_KEYS_VERSION.equals(e.errcode())) throw e;
                        throw new WorkflowException("another client made version " + e.currentVersion().orElse("?")
                                + " current while this migration was uploading to version " + cp.newVersion() + ": the old version "
                                + oldVersion + " is untouched and nothing was deleted; resuming cannot help (version " + cp.newVersion()
                                + " is no longer writable): check the new current version, remove " + o.checkpoint()
                                + " and migrate again if needed", e);
                    }
                    log.accept("uploaded " + pass.migrated + " sessions to version " + cp.newVersion() + " (pass " + (++round) + ")");
                } while (round < 3 && !java.util.Objects.equals(etagBefore, account.store().version(oldVersion).string("etag")));
                cp = cp.withPhase(Checkpoint.UPLOADED);
                cp.save(o.checkpoint());

                // 5. Read the new version back.
                Check check = verifyNew(account, newInfo, newTrust, key, pass, o.threads());
                String note = check.problem;
                boolean deleted = false;
                if (check.problem == null && o.deleteOld()) {
                    if (pass.rejected > 0) {
                        note = "old version kept: it has " + pass.rejected + " undecryptable entries that could not be migrated";
                    } else {
                        try {
                            account.store().deleteVersion(oldVersion);
                        } catch (keybackup.homeserver.MatrixException e) {
                            // 404 after a retried DELETE means the first attempt did it (digest 03 §5)
                            if (!e.isNotFound()) throw e;
                        }
                        deleted = true;
                    }
                }
                if (check.problem == null) Files.deleteIfExists(o.checkpoint());
                return new Result(oldVersion, cp.newVersion(), pass.total, pass.rejected, pass.migrated, check.newSessions,
                        check.authenticated, check.problem == null, deleted, note);
            }
        } catch (SecretStorageException e) {
            throw new WorkflowException("secret storage: " + e.getMessage());
        }
    }

    /** True only for a refusal the server gave before acting (a 4xx answer) or a check of ours. */
    private static boolean definitelyNotCreated(Exception e) {
        if (e instanceof WorkflowException) return true;
        return e instanceof keybackup.homeserver.MatrixException m && m.status() >= 400 && m.status() < 500;
    }

    /** After a crash between storing the signing key and saving the new version id: the version may exist. */
    private static String adoptCreatedVersion(Account account, Checkpoint cp, String oldVersion) throws StoreException {
        Json.Obj current = account.store().currentVersion().orElse(null);
        if (current == null || oldVersion.equals(current.string("version"))) return null;
        Json.Obj ad = current.object("auth_data");
        if (ad != null && AuthData.of(ad).signingKey() instanceof AuthData.SigningKeyField.Present p
                && p.asWritten().equals(cp.signingPublicKey())) {
            return current.string("version");
        }
        return null;
    }

    /** What one upload pass did; {@code ids} are content hashes of the migrated sessions, sorted. */
    private static final class Pass {
        long total;
        long rejected;
        long migrated;
        long[] ids = new long[1024];
        BitSet authenticated = new BitSet();
    }

    private static Pass upload(Account account, Json.Obj oldInfo, AuthDataTrust oldTrust, BackupDecryptionKey key, String newVersion,
                               SessionSigner signer, Options o) throws Exception {
        Pass pass = new Pass();
        long[][] tmp = {pass.ids};
        BitSet auth = new BitSet();
        try (Uploader up = new Uploader(account.store(), newVersion, key.publicKey(), signer, o.names(), o.threads(), o.limits())) {
            BackupAudit audit = Restore.run(account, oldInfo, oldTrust, key, o.threads(), false, r -> {
                if (r.sessionData() == null) return; // rejected: counted by the audit, cannot be migrated
                int i = (int) pass.migrated++;
                if (i == tmp[0].length) tmp[0] = Arrays.copyOf(tmp[0], i * 2);
                tmp[0][i] = contentId(r.roomId(), r.sessionId(), r.sessionData().sessionKey());
                KeySource source = KeySource.fromRestore(r.verdict()); // authenticated only on a compared key
                if (source.authenticated()) auth.set(i);
                up.add(r.roomId(), r.sessionData(), source);
            }, null);
            up.finish();
            pass.total = audit.total();
            pass.rejected = audit.rejected();
        }
        // Sort the ids, carrying the authenticated marks along.
        long[] ids = Arrays.copyOf(tmp[0], (int) pass.migrated);
        long[] marked = new long[ids.length];
        for (int i = 0; i < ids.length; i++) marked[i] = auth.get(i) ? ids[i] : Long.MIN_VALUE;
        Arrays.sort(ids);
        for (long m : marked) {
            if (m != Long.MIN_VALUE) pass.authenticated.set(Arrays.binarySearch(ids, m));
        }
        pass.ids = ids;
        return pass;
    }

    private record Check(long newSessions, long authenticated, String problem) {}

    private static Check verifyNew(Account account, Json.Obj newInfo, AuthDataTrust newTrust, BackupDecryptionKey key, Pass pass,
                                   int threads) throws Exception {
        BitSet found = new BitSet(pass.ids.length);
        long[] lost = {0};
        BackupAudit audit = Restore.run(account, newInfo, newTrust, key, threads, false, r -> {
            if (r.sessionData() == null) return;
            int at = Arrays.binarySearch(pass.ids, contentId(r.roomId(), r.sessionId(), r.sessionData().sessionKey()));
            if (at < 0) return; // written by another client meanwhile: fine
            found.set(at);
            if (pass.authenticated.get(at) && !(r.verdict() instanceof SessionVerdict.Authenticated)) lost[0]++;
        }, null);
        String problem = null;
        if (audit.rejected() > 0) problem = audit.rejected() + " sessions of the new version do not decrypt or verify";
        else if (found.cardinality() != pass.ids.length) problem = (pass.ids.length - found.cardinality()) + " migrated sessions are missing from the new version";
        else if (lost[0] > 0) problem = lost[0] + " sessions lost their authenticated verdict";
        if (problem != null) problem = "verification failed, old version kept: " + problem;
        return new Check(audit.total(), audit.authenticated(), problem);
    }

    /** A 64-bit digest of where a session is stored and its key material (a collision only weakens the check). */
    private static long contentId(String room, String session, String sessionKey) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            md.update(room.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(session.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(sessionKey.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.nio.ByteBuffer.wrap(md.digest()).getLong();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
