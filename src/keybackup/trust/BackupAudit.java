package keybackup.trust;

import java.util.ArrayList;
import java.util.List;
import keybackup.json.Json;

/**
 * The offline audit of one backup version: the AuthData trust decision and a verdict for every session,
 * with the summary that makes an injected key visible ({@code unsigned_in_signed_backup}: entries with
 * no signature in a backup whose signing key is usable). {@link #toJson()} is the audit's JSON contract.
 */
public final class BackupAudit {
    private final String userId;
    private final AuthDataTrust trust;
    private final List<Entry> sessions;
    private long authenticated;
    private long signedNotAuthenticated;
    private long unauthenticated;
    private long rejected;
    private long unsignedInSignedBackup;

    /**
     * One audited session (no key material is kept).
     *
     * @param roomId the room the server stored the session under
     * @param sessionId the session ID the server stored it under
     * @param verdict the verdict's word ({@code authenticated}, {@code signed_not_authenticated},
     *     {@code unauthenticated}, {@code rejected})
     * @param reason why it is not authenticated; null when it is
     * @param detail the verdict's explanation for humans; not part of {@link #toJson()}
     * @param claimedAuthenticated whether the session's plaintext claimed {@code authenticated: true}
     */
    public record Entry(String roomId, String sessionId, String verdict, Reason reason, String detail,
            boolean claimedAuthenticated) {
        /**
         * The entry as one element of the report's {@code sessions} array.
         *
         * @return {@code room_id}, {@code session_id}, {@code verdict}, {@code reason} (null when authenticated)
         *     and {@code claimed_authenticated}
         */
        public Json.Obj toJson() {
            return Json.obj("room_id", Json.of(roomId), "session_id", Json.of(sessionId),
                    "verdict", Json.of(verdict),
                    "reason", reason == null ? Json.Null.INSTANCE : Json.of(reason.wire()),
                    "claimed_authenticated", Json.of(claimedAuthenticated));
        }
    }

    /**
     * The entry {@link #add} keeps for a verified session: for a caller that keeps the entries itself (an audit of
     * a million keys written to disk as they come), with the verdict exactly as this report counts it.
     *
     * @param r the result of {@link SessionVerifier#verify}
     * @return its room, session, verdict word, reason, detail and claim; no key material
     * @throws NullPointerException if {@code r} is null
     */
    public static Entry entry(SessionVerifier.Result r) {
        SessionVerdict v = r.verdict();
        return new Entry(r.roomId(), r.sessionId(), v.word(), v.reason(), v.detail(), r.claimedAuthenticated());
    }

    private long total;

    /**
     * An audit that keeps every entry (for reports).
     *
     * @param userId the own user ID, written as the report's {@code user_id}; not checked against {@code trust}
     * @param trust the resolved AuthData of the audited version; decides the report's {@code backup} part and
     *     whether a missing signature counts as {@code unsigned_in_signed_backup}
     */
    public BackupAudit(String userId, AuthDataTrust trust) {
        this(userId, trust, true);
    }

    /**
     * An audit that keeps every entry, or only the counts.
     *
     * @param userId the own user ID, written as the report's {@code user_id}; not checked against {@code trust}
     * @param trust the resolved AuthData of the audited version; decides the report's {@code backup} part and
     *     whether a missing signature counts as {@code unsigned_in_signed_backup}
     * @param keepEntries false to keep only the counts (a restore of a million keys)
     */
    public BackupAudit(String userId, AuthDataTrust trust, boolean keepEntries) {
        this.userId = userId;
        this.trust = trust;
        this.sessions = keepEntries ? new ArrayList<>() : null;
    }

    /**
     * Adds one verified session to the report: counts its verdict and, if this audit keeps entries, keeps
     * its entry. Safe to call from several threads. The result is taken as it is: it should come from a
     * {@link SessionVerifier} made with this audit's {@code trust}.
     *
     * @param r the result of {@link SessionVerifier#verify}
     * @throws NullPointerException if {@code r} is null
     */
    public synchronized void add(SessionVerifier.Result r) {
        SessionVerdict v = r.verdict();
        total++;
        if (sessions != null) sessions.add(entry(r));
        if (v instanceof SessionVerdict.Authenticated) authenticated++;
        else if (v instanceof SessionVerdict.SignedNotAuthenticated) signedNotAuthenticated++;
        else if (v instanceof SessionVerdict.Unauthenticated) unauthenticated++;
        else rejected++;
        if (v.reason() == Reason.SIGNATURE_MISSING && trust instanceof AuthDataTrust.Usable) unsignedInSignedBackup++;
    }

    /**
     * Gives the AuthData decision the audit reports on.
     *
     * @return the {@code trust} given to the constructor
     */
    public AuthDataTrust trust() {
        return trust;
    }

    /**
     * Lists the audited sessions. An entry holds no key material.
     *
     * @return a copy of the entries in the order added, if this audit keeps them (else an empty list)
     */
    public synchronized List<Entry> sessions() {
        return sessions == null ? List.of() : List.copyOf(sessions);
    }

    /**
     * Counts every session added, whatever its verdict.
     *
     * @return the number of calls to {@link #add} so far
     */
    public synchronized long total() {
        return total;
    }

    /**
     * Counts the sessions whose verdict is {@code authenticated}. Read it after the last {@link #add}.
     *
     * @return the number of sessions added so far with that verdict
     */
    public long authenticated() {
        return authenticated;
    }

    /**
     * Counts the sessions whose verdict is {@code signed_not_authenticated}. Read it after the last {@link #add}.
     *
     * @return the number of sessions added so far with that verdict
     */
    public long signedNotAuthenticated() {
        return signedNotAuthenticated;
    }

    /**
     * Counts the sessions whose verdict is {@code unauthenticated}. Read it after the last {@link #add}.
     *
     * @return the number of sessions added so far with that verdict
     */
    public long unauthenticated() {
        return unauthenticated;
    }

    /**
     * Counts the sessions whose verdict is {@code rejected}. Read it after the last {@link #add}.
     *
     * @return the number of sessions added so far with that verdict
     */
    public long rejected() {
        return rejected;
    }

    /**
     * Counts the sessions that carry no signature by the signing key although the AuthData made that key
     * usable, which is how an entry injected by anyone with the backup's public key shows (as does one from a
     * client that does not sign). Read it after the last {@link #add}.
     *
     * @return the number of {@code unauthenticated / signature_missing} sessions when {@code trust} is
     *     {@link AuthDataTrust.Usable}, else 0
     */
    public long unsignedInSignedBackup() {
        return unsignedInSignedBackup;
    }

    /**
     * The audit report in the documented JSON shape. Every field of {@code backup} is derived from the
     * outcome's type, so they cannot contradict each other: {@code trusted} is true exactly when
     * {@code trusted_via} is non-empty, {@code signing_key_usable} exactly for a usable key (and then
     * {@code reason} is null); {@code outcome} names the type. Call it after the last {@link #add}.
     *
     * @return {@code user_id}, {@code version}, {@code backup} (the AuthData decision and its signatures),
     *     {@code sessions} (empty when entries are not kept) and {@code summary} (the counts); public keys
     *     and key IDs, never a secret
     */
    public Json.Obj toJson() {
        List<Json> via = new ArrayList<>();
        for (AuthDataTrust.TrustedVia t : trust.trustedVia()) {
            via.add(Json.obj("kind", Json.of(t.kind().wire()), "key_id", Json.of(t.keyId()), "key_compared",
                    Json.of(!t.kind().weak())));
        }
        List<Json> sigs = new ArrayList<>();
        for (AuthDataTrust.Signature s : trust.signatures()) sigs.add(Json.obj("key_id", Json.of(s.keyId()), "status",
                Json.of(s.status().wire())));
        String outcome = trust instanceof AuthDataTrust.Usable ? "usable"
                : trust instanceof AuthDataTrust.TrustedWithoutKey ? "trusted_without_key" : "not_trusted";
        Json.Obj backup = Json.obj(
                "outcome", Json.of(outcome),
                "trusted", Json.of(!(trust instanceof AuthDataTrust.NotTrusted)),
                "trusted_via", Json.arr(via),
                "signing_public_key", trust.signingPublicKey() == null ? Json.Null.INSTANCE
                        : Json.of(trust.signingPublicKey()),
                "signing_key_usable", Json.of(trust instanceof AuthDataTrust.Usable),
                "reason", trust.reason() == null ? Json.Null.INSTANCE : Json.of(trust.reason().wire()),
                "signatures", Json.arr(sigs));
        List<Json> list = new ArrayList<>();
        for (Entry e : sessions()) list.add(e.toJson());
        Json.Obj summary = Json.obj("total", Json.of(total()), "authenticated", Json.of(authenticated),
                "signed_not_authenticated", Json.of(signedNotAuthenticated), "unauthenticated",
                        Json.of(unauthenticated),
                "rejected", Json.of(rejected), "unsigned_in_signed_backup", Json.of(unsignedInSignedBackup));
        return Json.obj("user_id", Json.of(userId),
                "version", trust.version() == null ? Json.Null.INSTANCE : Json.of(trust.version()),
                "backup", backup, "sessions", Json.arr(list), "summary", summary);
    }
}
