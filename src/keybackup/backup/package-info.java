/**
 * Server-side key backup, algorithm {@code m.megolm_backup.v1.curve25519-aes-sha2} (Matrix spec,
 * "Server-side key backups"; protocol.md §6): encryption and decryption of one session
 * ({@link keybackup.backup.MegolmBackupV1}), the decrypted plaintext ({@link keybackup.backup.SessionData}
 * with its Megolm {@link keybackup.backup.SessionExport}), the JSON key-export element
 * ({@link keybackup.backup.ExportedSession}) and the {@code KeyBackupData} wrapper. Beside the JSON export:
 * Element's passphrase-encrypted key export file (spec "Key exports"; {@link keybackup.backup.EncryptedKeyExport}),
 * read and written in fixed memory; its MAC does authenticate the file, for whoever knows the passphrase.
 *
 * <p>What this package does not guarantee: the backup algorithm has no authentication. Its
 * {@code mac} is HMAC-SHA-256 of the <em>empty string</em> (a libolm bug every implementation kept,
 * protocol.md §6.5), so it only confirms the key agreement; the ciphertext is unauthenticated CBC and
 * anyone who knows the backup public key can write a session that decrypts and "matches". A
 * decrypted {@link keybackup.backup.SessionData} is therefore untrusted input; whether a signature by
 * the backup signing key makes it trustworthy (MSC4048 seed, protocol.md §10.6) is decided elsewhere, and
 * the MAC outcome is reported as a value ({@link keybackup.backup.MegolmBackupV1.MacCheck}) so that
 * layer can apply protocol.md §10.6's rule. The session-ID check ({@code session_id == b64(Kpub)}) is
 * offered ({@link keybackup.backup.SessionData#matchesSessionId}) but the caller must make it.
 */
package keybackup.backup;
