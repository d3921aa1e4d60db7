/**
 * Not exported: the JCA bridge ({@link keybackup.internal.Jca}, the one place algorithms and the optional
 * provider are chosen), HKDF, byte helpers (constant-time comparison, zeroing), the strict UTF-8 conversion
 * ({@link keybackup.internal.StrictUtf8}), the atomic file replacement ({@link keybackup.internal.AtomicFile}),
 * the bounded worker pool,
 * and {@link keybackup.internal.Reused}, a speed measure only: one HMAC, AES-CBC and X25519 object per
 * thread, lent for one use at a time and re-keyed with a public filler when given back (about 3 % of a
 * restore; a thread keeps its objects until it ends). Internal so that no caller depends on these details
 * and the exported API stays small.
 */
package keybackup.internal;
