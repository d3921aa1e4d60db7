/**
 * The trust decision of signed key backup (the initial revision of MSC4048; digest 06 §6.5 and 07 §3–§6),
 * readable top to bottom in four files:
 * <ol>
 *   <li>{@link keybackup.trust.TrustAnchors} — what the user established (master key, this device,
 *       verified devices); nothing is guessed;</li>
 *   <li>{@link keybackup.trust.TrustResolver} — is the AuthData signed by the trusted master key, this
 *       device or a verified own device? Only then is its backup signing key usable
 *       ({@link keybackup.trust.TrustedBackupKey}, which nothing else can create);</li>
 *   <li>{@link keybackup.trust.SessionVerifier} — decrypt, session id, signing key, signature, flag: the
 *       per-session {@link keybackup.trust.SessionVerdict} with its {@link keybackup.trust.Reason};</li>
 *   <li>{@link keybackup.trust.KeySource} and {@link keybackup.trust.SessionSigner} — the writer side: the
 *       {@code authenticated} flag comes from where a key came from, never from a bare boolean.</li>
 * </ol>
 * {@link keybackup.trust.OwnIdentity} validates the published identity ({@code /keys/query}); it trusts
 * nothing by itself. {@link keybackup.trust.BackupAudit} collects verdicts into the audit report.
 *
 * <p>Not guaranteed: that a key marked authenticated is used only for its room (the signature does not
 * cover room or session ids; callers check the {@code room_id} of decrypted events), or that the server
 * returns the best copy of a key (anyone with the public key can replace a signed entry with an unsigned
 * one: that downgrades authenticity but cannot forge it).
 */
package keybackup.trust;
