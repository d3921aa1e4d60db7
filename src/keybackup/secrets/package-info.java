/**
 * Secret Storage ("4S", {@code m.secret_storage.v1.aes-hmac-sha2}): secrets kept encrypted in user
 * account data under a key the user holds as a recovery key or passphrase (Matrix client-server spec,
 * "Secrets" module; protocol.md §8.2–§8.8, §7.1–§7.2).
 *
 * <ul>
 *   <li>{@link keybackup.secrets.SecretStorageKey}: the 32-byte key, from random bytes, a recovery key,
 *       a key file or a passphrase ({@code m.pbkdf2}).</li>
 *   <li>{@link keybackup.secrets.KeyDescription}: {@code m.secret_storage.key.<key ID>}; creation and
 *       the constant-time key check.</li>
 *   <li>{@link keybackup.secrets.SecretStorage}: encrypting and decrypting one secret, and helpers for
 *       the key secrets this project stores ({@code m.key_backup.signing}, {@code m.megolm_backup.v1},
 *       {@code m.cross_signing.*}).</li>
 * </ul>
 *
 * <p>Guaranteed: a secret is returned only after its HMAC-SHA-256 has been verified (constant time);
 * written IVs are random with bit 63 clear; padded and unpadded base64 are read, unpadded is written;
 * errors never contain key material or plaintext. Passphrase parameters from the server are capped before
 * any hashing (salt 1–256 characters, iterations × 512-bit blocks at most 5,000,000). The write rule,
 * {@link keybackup.secrets.KeyDescription#requireWritable}, says when a secret may be written under a key
 * (a key check that this device passed; at least 500,000 iterations for a passphrase key); the static
 * encryption helpers of {@link keybackup.secrets.SecretStorage} do not apply it themselves (they see no
 * description): {@code keybackup.workflow.UnlockedSecretStorage} does, before every write.
 *
 * <p>Not guaranteed: that a decrypted key is the current one (compare it with the published public key;
 * the trust layer does); confidentiality of {@code String} secrets in memory (they cannot be wiped;
 * byte arrays are zeroed best effort, and JCA key objects keep their own copies); freshness or rollback
 * protection of account data (the homeserver can serve old content encrypted under the same key);
 * choosing a key ID or reading the default key (callers pass the key ID); secret sharing between devices
 * ({@code m.secret.request}/{@code m.secret.send}, protocol.md §8.9), which is not implemented.
 */
package keybackup.secrets;
