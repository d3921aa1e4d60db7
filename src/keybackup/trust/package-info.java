/**
 * The trust decision of signed key backup (the initial revision of MSC4048; protocol.md §9.4–§9.7 and
 * §10.3–§10.7), and the only package that can state trust: everything that says "trusted" or "authenticated"
 * ({@link keybackup.trust.TrustedBackupKey}, the trusted {@link keybackup.trust.AuthDataTrust} outcomes,
 * the {@link keybackup.trust.SessionVerdict} kinds, {@link keybackup.trust.SessionVerifier.Result}) is a
 * final class with a package-private constructor, made only by the resolver or the verifier. Read in order:
 * <ol>
 *   <li>{@link keybackup.trust.TrustAnchors} — what the user established, as named kinds (this device, a
 *       device pinned with its compared key, a device taken as the server publishes it, a pinned master
 *       key, the master key held in Secret Storage); nothing is guessed;</li>
 *   <li>{@link keybackup.trust.OwnIdentity} — the published identity ({@code /keys/query}), validated;
 *       it trusts nothing by itself;</li>
 *   <li>{@link keybackup.trust.TrustResolver} — what each anchor is worth, the one rule for a verified
 *       device (trusted master key → self-signing key → device, or a pinned device), and whether a trusted
 *       signer signed the AuthData; keys are compared as decoded bytes, never as spellings;</li>
 *   <li>{@link keybackup.trust.AuthDataTrust} — the sealed outcome: {@code Usable} (with the
 *       {@link keybackup.trust.TrustedBackupKey}), {@code TrustedWithoutKey}, {@code NotTrusted};</li>
 *   <li>{@link keybackup.trust.SessionVerifier} — decrypt, session id, signing key, signature, flag: the
 *       per-session {@link keybackup.trust.SessionVerdict} with its {@link keybackup.trust.Reason}.</li>
 * </ol>
 * The writer side is {@link keybackup.trust.KeySource} and {@link keybackup.trust.SessionSigner} (the
 * {@code authenticated} flag comes from where a key came from, never from a bare boolean; the signer also
 * says what every written SessionData, signed or unsigned, loses of the claims it carried);
 * {@link keybackup.trust.BackupAudit} collects verdicts into the audit report, derived from the types.
 *
 * <p>Not guaranteed: that a key marked authenticated is used only for its room (the signature does not
 * cover room or session ids; callers check the {@code room_id} of decrypted events), or that the server
 * returns the best copy of a key (anyone with the public key can replace a signed entry with an unsigned
 * one: that downgrades authenticity but cannot forge it). A device named by id only
 * ({@code DeviceAsPublished}) is trusted on the server's word for its key: weaker, and labelled so.
 */
package keybackup.trust;
