/**
 * Not exported: the JCA bridge ({@link keybackup.internal.Jca}, the one place algorithms and the optional
 * provider are chosen), HKDF, byte helpers (constant-time comparison, zeroing) and the bounded worker
 * pool. Internal so that no caller depends on these details and the exported API stays small.
 */
package keybackup.internal;
